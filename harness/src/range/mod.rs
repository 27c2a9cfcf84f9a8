//! The DR range (issue 11): the scenario's five SQL instances as TDS endpoints backed by
//! the model, so operators and tools rehearse against something that answers like SQL
//! Server. [`reply`] is the contract between the wire (TDS) and the backend (the model).
pub mod cmdlet;
pub mod reply;
pub mod select;
pub mod statement;
pub mod tsql;
