//! A level of the breadth-first search: its nodes in order, held in blocks of a fixed
//! number of nodes instead of one vector.
//!
//! A level of the two-fault searches holds millions of nodes. As one vector it grew by
//! doubling: every growth copied the whole level into fresh pages (the kernel zeroes each
//! page first), and up to half of the last allocation was never used. In blocks, a push
//! never moves a node, and the level being expanded frees each block as soon as its nodes
//! are taken, so the allocator can hand that memory to the next level's blocks instead of
//! fresh pages.

/// Nodes in a block: a multiple of the pieces the expansion hands out (`RUN`, and the
/// harness's pieces), so a piece never straddles two blocks for long; about half a
/// megabyte, which the allocator hands back and reuses whole.
pub const BLOCK: usize = 4096;

/// The level's nodes (`T` is the search's `Node`).
pub struct Frontier<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Frontier<T> {
    fn default() -> Frontier<T> {
        Frontier {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Frontier<T> {
    pub fn new() -> Frontier<T> {
        Frontier::default()
    }

    pub fn push(&mut self, n: T) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < BLOCK => b.push(n),
            _ => {
                let mut b = Vec::with_capacity(BLOCK);
                b.push(n);
                self.blocks.push(b);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T> IntoIterator for Frontier<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    /// The nodes in order; each block is freed once its last node is taken.
    fn into_iter(self) -> Self::IntoIter {
        self.blocks.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_come_out_in_the_order_pushed_across_blocks() {
        let mut f = Frontier::new();
        assert!(f.is_empty());
        let n = 2 * BLOCK + 3;
        for i in 0..n {
            f.push(i);
        }
        assert_eq!((f.len(), f.blocks.len()), (n, 3));
        assert!(f.blocks.iter().all(|b| b.capacity() == BLOCK));
        assert_eq!(
            f.into_iter().collect::<Vec<_>>(),
            (0..n).collect::<Vec<_>>()
        );
    }
}
