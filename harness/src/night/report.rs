//! The drill report.
