//! Shared objects: fixed-size records with a version, owned by one domain, granted to others.

use crate::domain::DomainId;
use crate::error::{Error, Result};
use alloc::vec::Vec;

/// Largest shared object, in bytes.
pub const MAX_SHARED_SIZE: usize = 64 * 1024;

/// What a domain may do with a shared object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Read,
    ReadWrite,
}

/// A versioned record. The version grows by one with every committed change.
pub struct SharedObject {
    pub owner: DomainId,
    pub version: u64,
    data: Vec<u8>,
    grants: Vec<(DomainId, Access)>,
}

impl SharedObject {
    /// A zeroed object of `size` bytes owned by `owner` (which may read and write it).
    pub fn new(owner: DomainId, size: usize) -> Result<SharedObject> {
        if size == 0 || size > MAX_SHARED_SIZE {
            return Err(Error::InvalidArgument);
        }
        let mut data = Vec::new();
        data.try_reserve_exact(size).map_err(|_| Error::NoMemory)?;
        data.resize(size, 0);
        Ok(SharedObject { owner, version: 0, data, grants: Vec::new() })
    }

    /// Size of the record.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// The current contents.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Grants `domain` `access` (replacing an earlier grant).
    pub fn grant(&mut self, domain: DomainId, access: Access) {
        self.grants.retain(|&(d, _)| d != domain);
        self.grants.push((domain, access));
    }

    /// True when `domain` may access the object as `wanted`.
    pub fn allows(&self, domain: DomainId, wanted: Access) -> bool {
        domain == self.owner || self.grants.iter().any(|&(d, a)| d == domain && a >= wanted)
    }

    /// Replaces the contents (same size) and moves to the next version.
    pub fn replace(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.len() != self.data.len() {
            return Err(Error::InvalidArgument);
        }
        self.data.copy_from_slice(bytes);
        self.version += 1;
        Ok(())
    }
}
