//! The canonical hash of a state: the engine's canonical text (world, pending events, step
//! in progress, random stream) streamed through two 64-bit multiply-rotate lanes, so no text
//! is allocated. 128 bits: at 10^8 states the chance of any collision is about 10^-23.

use std::fmt;

pub struct Hasher {
    a: u64,
    b: u64,
    buf: [u8; 8],
    n: usize,
}

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            a: 0x243F_6A88_85A3_08D3,
            b: 0x1319_8A2E_0370_7344,
            buf: [0; 8],
            n: 0,
        }
    }

    fn word(&mut self, w: u64) {
        self.a = (self.a ^ w).wrapping_mul(K1).rotate_left(29);
        self.b = (self.b.rotate_left(23) ^ w).wrapping_mul(K2);
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        for &x in bytes {
            self.buf[self.n] = x;
            self.n += 1;
            if self.n == 8 {
                self.word(u64::from_le_bytes(self.buf));
                self.n = 0;
            }
        }
    }

    pub fn finish(mut self) -> u128 {
        let tail = self.n as u64;
        self.buf[self.n..].fill(0);
        self.word(u64::from_le_bytes(self.buf));
        self.word(tail);
        // Final avalanche of each lane (splitmix64's mixer).
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        (u128::from(mix(self.a)) << 64) | u128::from(mix(self.b ^ self.a.rotate_left(7)))
    }
}

impl fmt::Write for Hasher {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn equal_text_equal_hash_whatever_the_chunks() {
        let mut a = Hasher::new();
        a.write_str("hello, world").unwrap();
        let mut b = Hasher::new();
        b.write_str("hel").unwrap();
        b.write_str("lo, wor").unwrap();
        b.write_str("ld").unwrap();
        assert_eq!(a.finish(), b.finish());
    }

    #[test]
    fn different_text_different_hash() {
        let h = |s: &str| {
            let mut x = Hasher::new();
            x.write_str(s).unwrap();
            x.finish()
        };
        assert_ne!(h("a"), h("b"));
        // Trailing zero bytes are not lost in the padding.
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h(""), h("\0"));
    }
}
