//! Bounded exhaustive exploration (`drill explore`): every placement of up to K faults from
//! the fault alphabet at every moment between the engine's events, on every premise and
//! every plan of up to D operator deviations, breadth-first over the engine's own states
//! ([`crate::engine::Stepper`]), deduplicated by a canonical hash of the state.
//!
//! - [`premise`]: the roots: the premise's discrete choices and the deviation plans.
//! - [`alphabet`]: the fault windows and the faults (with their heals) allowed in each.
//! - [`canon`]: the canonical 128-bit hash of a state.
//! - [`dead`]: the world's dead values, which the reduced key feeds canonical.
//! - [`order`]: LSNs and write numbers fed by what the rules can still tell apart.
//! - [`deviate`]: deviation plans chosen as transitions where they first apply.
//! - [`frontier`]: a level's nodes, in blocks.
//! - [`search`]: the successor function and the breadth-first search.
//! - [`visited`]: the visited set (a flat table of keys).

pub mod alphabet;
pub mod canon;
pub mod dead;
pub mod deviate;
pub mod frontier;
pub mod order;
pub mod premise;
pub mod search;
pub mod visited;

pub use frontier::Frontier;
pub use premise::{level_states, roots, Bound, PlanGroups, PremiseMode, Root};
pub use search::{
    counterexample, deviations_text, expand_level, expand_serial, explore, Child, Expand, Found,
    Node, Outcome, Progress, Sink, Stop, CHUNK, COVERAGE, RUN,
};
