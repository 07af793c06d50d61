//! SHAKE256 (FIPS 202), the digest buf fingerprints GitLab issues with; small enough to carry
//! here rather than add a dependency.

use std::fmt::Write as _;

const KECCAK_ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808A,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808B,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008A,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000A,
    0x0000_0000_8000_808B,
    0x8000_0000_0000_008B,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800A,
    0x8000_0000_8000_000A,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Rotation offsets, indexed `[x + 5 * y]`.
const KECCAK_ROTATIONS: [u32; 25] = [
    0, 1, 62, 28, 27, //
    36, 44, 6, 55, 20, //
    3, 10, 43, 25, 39, //
    41, 45, 15, 21, 8, //
    18, 2, 61, 56, 14,
];

fn keccak_f1600(a: &mut [u64; 25]) {
    for rc in KECCAK_ROUND_CONSTANTS {
        // θ
        let mut c = [0u64; 5];
        for (x, cx) in c.iter_mut().enumerate() {
            *cx = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        // ρ and π
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] =
                    a[x + 5 * y].rotate_left(KECCAK_ROTATIONS[x + 5 * y]);
            }
        }
        // χ
        for x in 0..5 {
            for y in 0..5 {
                a[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        // ι
        a[0] ^= rc;
    }
}

/// SHAKE256 of `data`, squeezed to `N` bytes (`N` at most the rate, 136).
pub(super) fn shake256<const N: usize>(data: &[u8]) -> [u8; N] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let absorb = |state: &mut [u64; 25], block: &[u8; RATE]| {
        for (lane, chunk) in state.iter_mut().zip(block.chunks_exact(8)) {
            *lane ^= u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        }
        keccak_f1600(state);
    };
    let mut chunks = data.chunks_exact(RATE);
    for chunk in &mut chunks {
        absorb(&mut state, chunk.try_into().unwrap_or(&[0; RATE]));
    }
    let rem = chunks.remainder();
    let mut last = [0u8; RATE];
    last[..rem.len()].copy_from_slice(rem);
    last[rem.len()] ^= 0x1F;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = state[i / 8].to_le_bytes()[i % 8];
    }
    out
}

pub(super) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shake256_matches_fips_202() {
        // Checked against Python's hashlib.shake_256: empty input, and inputs one byte short
        // of a block, exactly a block, and spanning blocks.
        assert_eq!(
            hex(&shake256::<32>(b"")),
            "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
        );
        for (n, want) in [
            (135, "55b991ece1e567b6e7c2c714444dd201"),
            (136, "8fcc5a08f0a1f6827c9cf64ee8d16e04"),
            (300, "542e4338ca18e43776834307a2b6158f"),
        ] {
            assert_eq!(hex(&shake256::<16>(&vec![b'a'; n])), want, "{n} bytes");
        }
    }
}
