//! OIL 2.5 text into a tree of objects and attributes.
//!
//! Tolerant where real OIL files differ: the `OIL_VERSION` line and the `CPU` block may be
//! missing, the `IMPLEMENTATION` block is skipped, every trailing `;` is optional, descriptions
//! (`: "text"`) are allowed after values and blocks, `#include` lines are skipped, and unknown
//! objects and attributes are kept for the model to ignore.

use std::fmt;

/// A parse or model error: the file, the line and what was wrong (with the attribute's name
/// when one is concerned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OilError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for OilError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for OilError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Ident(String),
    Number(u64),
    Str(String),
    Sym(char),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "`{s}`"),
            Token::Number(n) => write!(f, "`{n}`"),
            Token::Str(s) => write!(f, "\"{s}\""),
            Token::Sym(c) => write!(f, "`{c}`"),
        }
    }
}

/// An attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Ident(String),
    Number(u64),
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Ident(s) => write!(f, "{s}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

/// `NAME = value { sub-attributes };`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub value: Value,
    pub children: Vec<Attr>,
    pub line: usize,
}

/// `KIND name { attributes };`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    pub name: String,
    pub attrs: Vec<Attr>,
    pub line: usize,
}

fn lex(file: &str, text: &str) -> Result<Vec<(Token, usize)>, OilError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let err = |line, message: String| OilError { file: file.to_string(), line, message };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            // Preprocessor lines (#include ...): not OIL objects.
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = line;
            i += 2;
            loop {
                if i + 1 >= chars.len() {
                    return Err(err(start, "comment `/*` is never closed".to_string()));
                }
                if chars[i] == '*' && chars[i + 1] == '/' {
                    i += 2;
                    break;
                }
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
        } else if c == '"' {
            let start = line;
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err(start, "string is never closed".to_string())),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            tokens.push((Token::Str(s), start));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                // A FLOAT value (vendor attributes): kept as its text; the attributes this
                // tool reads want integers and say so.
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
                tokens.push((Token::Str(chars[start..i].iter().collect()), line));
                continue;
            }
            let word: String = chars[start..i].iter().collect();
            let parsed = if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
                u64::from_str_radix(hex, 16)
            } else {
                word.parse::<u64>()
            };
            match parsed {
                Ok(n) => tokens.push((Token::Number(n), line)),
                Err(_) => return Err(err(line, format!("`{word}` is not a number"))),
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if "{}=;:[],".contains(c) {
            tokens.push((Token::Sym(c), line));
            i += 1;
        } else {
            return Err(err(line, format!("unexpected character `{c}`")));
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    file: &'a str,
    tokens: Vec<(Token, usize)>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead).map(|(t, _)| t)
    }

    fn line(&self) -> usize {
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .map_or(1, |(_, l)| *l)
    }

    fn error(&self, message: String) -> OilError {
        OilError { file: self.file.to_string(), line: self.line(), message }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(t) => t.to_string(),
            None => "the end of the file".to_string(),
        }
    }

    fn eat_sym(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, c: char, context: &str) -> Result<(), OilError> {
        if self.eat_sym(c) {
            Ok(())
        } else {
            Err(self.error(format!("{context}: expected `{c}`, found {}", self.found())))
        }
    }

    fn ident(&mut self, context: &str) -> Result<String, OilError> {
        match self.peek().cloned() {
            Some(Token::Ident(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.error(format!("{context}: expected a name, found {}", self.found()))),
        }
    }

    /// `: "description"` and `;`, both optional.
    fn end_of_item(&mut self) -> Result<(), OilError> {
        if self.eat_sym(':') {
            match self.peek() {
                Some(Token::Str(_)) => self.pos += 1,
                _ => return Err(self.error(format!("expected a description string after `:`, found {}", self.found()))),
            }
        }
        self.eat_sym(';');
        Ok(())
    }

    /// Skips a `{ ... }` block whose `{` was just read.
    fn skip_block(&mut self) -> Result<(), OilError> {
        let start = self.line();
        let mut depth = 1;
        while depth > 0 {
            match self.peek() {
                None => {
                    return Err(OilError {
                        file: self.file.to_string(),
                        line: start,
                        message: "block `{` is never closed".to_string(),
                    })
                }
                Some(Token::Sym('{')) => depth += 1,
                Some(Token::Sym('}')) => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn attrs(&mut self, owner: &str) -> Result<Vec<Attr>, OilError> {
        let mut attrs = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Sym('}')) => {
                    self.pos += 1;
                    return Ok(attrs);
                }
                None => return Err(self.error(format!("{owner}: expected `}}`, found the end of the file"))),
                Some(Token::Sym(';')) => self.pos += 1, // a stray `;`
                _ => attrs.push(self.attr(owner)?),
            }
        }
    }

    fn attr(&mut self, owner: &str) -> Result<Attr, OilError> {
        let line = self.line();
        let name = self.ident(&format!("{owner}: an attribute"))?;
        let context = format!("{owner}: attribute {name}");
        // `NAME value { ... }` without `=` (how some generators write EXPIRY_POINT name { ... }).
        let named_block = matches!(self.peek(), Some(Token::Ident(_))) && matches!(self.peek_at(1), Some(Token::Sym('{')));
        if !named_block {
            self.expect_sym('=', &context)?;
        }
        let value = match self.peek().cloned() {
            Some(Token::Ident(s)) => Value::Ident(s),
            Some(Token::Number(n)) => Value::Number(n),
            Some(Token::Str(s)) => Value::Str(s),
            _ => return Err(self.error(format!("{context}: expected a value, found {}", self.found()))),
        };
        self.pos += 1;
        let children = if self.eat_sym('{') { self.attrs(&context)? } else { Vec::new() };
        self.end_of_item()?;
        Ok(Attr { name, value, children, line })
    }

    fn object(&mut self) -> Result<Object, OilError> {
        let line = self.line();
        let kind = self.ident("an object")?;
        let name = self.ident(&format!("object {kind}"))?;
        let owner = format!("{kind} {name}");
        self.expect_sym('{', &owner)?;
        let attrs = self.attrs(&owner)?;
        self.end_of_item()?;
        Ok(Object { kind, name, attrs, line })
    }

    fn objects_until_close(&mut self, out: &mut Vec<Object>) -> Result<(), OilError> {
        loop {
            match self.peek() {
                Some(Token::Sym('}')) => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.error("CPU: expected `}`, found the end of the file".to_string())),
                Some(Token::Sym(';')) => self.pos += 1,
                _ => out.push(self.object()?),
            }
        }
    }

    fn file(&mut self) -> Result<Vec<Object>, OilError> {
        let mut objects = Vec::new();
        while let Some(token) = self.peek().cloned() {
            match token {
                Token::Sym(';') => self.pos += 1,
                Token::Ident(ref word) if word == "OIL_VERSION" => {
                    self.pos += 1;
                    self.expect_sym('=', "OIL_VERSION")?;
                    match self.peek() {
                        Some(Token::Str(_)) => self.pos += 1,
                        _ => return Err(self.error(format!("OIL_VERSION: expected a version string, found {}", self.found()))),
                    }
                    self.end_of_item()?;
                }
                Token::Ident(ref word) if word == "IMPLEMENTATION" => {
                    self.pos += 1;
                    self.ident("IMPLEMENTATION")?;
                    self.expect_sym('{', "IMPLEMENTATION")?;
                    self.skip_block()?;
                    self.end_of_item()?;
                }
                Token::Ident(ref word)
                    if word == "CPU" && matches!(self.peek_at(2), Some(Token::Sym('{'))) =>
                {
                    self.pos += 1;
                    self.ident("CPU")?;
                    self.expect_sym('{', "CPU")?;
                    self.objects_until_close(&mut objects)?;
                    self.end_of_item()?;
                }
                Token::Ident(_) => objects.push(self.object()?),
                other => return Err(self.error(format!("expected an object, found {other}"))),
            }
        }
        Ok(objects)
    }
}

/// Parses OIL text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<Object>, OilError> {
    let tokens = lex(file, text)?;
    Parser { file, tokens, pos: 0 }.file()
}
