//! The one thing the hypervisor reads from a guest image before loading it: whether it is linked
//! at a fixed address (ELF `ET_EXEC`, e.g. the R52 supervisor image), and where its first
//! loadable segment starts — the base of the partition's RAM then.

/// ELF32 header fields (little-endian).
const E_TYPE: usize = 16;
const E_PHOFF: usize = 28;
const E_PHENTSIZE: usize = 42;
const E_PHNUM: usize = 44;
const ET_EXEC: u16 = 2;
const PT_LOAD: u32 = 1;

fn u16_at(image: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(image.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(image: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(image.get(at..at + 4)?.try_into().ok()?))
}

/// For an image linked at a fixed address: its lowest loadable address, rounded down to the
/// MPU's 64-byte granule. `None` for a position-independent image (or one that is not a
/// well-formed ELF32 file, which the loader then refuses with its reason).
pub(crate) fn fixed_base(image: &[u8]) -> Option<usize> {
    if image.get(..4) != Some(b"\x7fELF".as_slice()) || u16_at(image, E_TYPE)? != ET_EXEC {
        return None;
    }
    let (offset, size, count) = (u32_at(image, E_PHOFF)? as usize, u16_at(image, E_PHENTSIZE)? as usize, u16_at(image, E_PHNUM)? as usize);
    (0..count)
        .filter_map(|i| {
            let header = offset.checked_add(i.checked_mul(size)?)?;
            (u32_at(image, header)? == PT_LOAD).then(|| u32_at(image, header + 8)).flatten()
        })
        .min()
        .map(|base| base as usize & !63)
}
