//! Drill night (issue 13): the checklist with the site's names (`drill plan`), the guided
//! rehearsal with read-only probes (`drill rehearse`), the drill report and its calibration
//! file, and calibration from msdb history (`drill calibrate`). See docs/drill-night.md.
pub mod calibrate;
pub mod checklist;
pub mod commands;
pub mod conn;
pub mod facts;
pub mod model;
pub mod plan;
pub mod probes;
pub mod rehearse;
pub mod report;
