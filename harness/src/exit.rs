//! Exit codes shared by every subcommand.

/// Every checked invariant held / the plan is complete.
pub const OK: i32 = 0;
/// An invariant was violated / the restore chain has a gap.
pub const VIOLATION: i32 = 1;
/// Bad input: a file that cannot be read or parsed, an unknown name, an impossible parameter.
pub const BAD_INPUT: i32 = 2;
/// `drill explore`: no violation found, but the search stopped at `--max-states` before it
/// covered the bound, so nothing is certified (a CI gate must not read this as a pass).
pub const INCOMPLETE: i32 = 3;
