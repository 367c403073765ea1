//! A small deterministic generator for benches and generated tests, so every run sees
//! the same inputs without a dependency on `rand` (a PCG-style LCG; quality is not the
//! point, reproducibility is).

/// The generator; the field is the seed, so `Rng(42)` names a sequence.
pub struct Rng(pub u64);

impl Rng {
    /// The next value (31 bits, the high half of the state: its low bits cycle fast).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}
