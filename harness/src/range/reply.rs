//! What a batch answers, independent of the wire: result sets, messages (INFO/ERROR
//! tokens), statement ends (DONE) and database changes (ENVCHANGE). The TDS layer encodes
//! these; the backend produces them.

/// A column's SQL Server type, as the wire announces it in COLMETADATA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    /// int (INTN, 4 bytes).
    Int,
    /// smallint (INTN, 2 bytes).
    SmallInt,
    /// tinyint (INTN, 1 byte).
    TinyInt,
    /// bigint (INTN, 8 bytes).
    BigInt,
    /// bit (BITN).
    Bit,
    /// nvarchar(n) (NVARCHARTYPE; n in characters, at most 4000).
    NVarChar(u16),
    /// numeric(p, s) (NUMERICN): LSNs are numeric(25,0) in msdb.
    Numeric { precision: u8, scale: u8 },
    /// datetime (DATETIMEN, 8 bytes).
    DateTime,
    /// uniqueidentifier (GUIDTYPE).
    UniqueIdentifier,
}

/// One cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    /// Any integer type, and bit (0/1).
    Int(i64),
    Text(String),
    /// The unscaled value of a numeric (an LSN as is).
    Numeric(i128),
    /// Milliseconds since 1900-01-01T00:00:00 (datetime's epoch), server-local time.
    DateTime(i64),
    /// Canonical lower-case 8-4-4-4-12 text.
    Guid(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

/// A message as SQL Server sends it: class 0-10 is an INFO token (PRINT, "Processed 2
/// pages..."), 11 and above an ERROR token (e.g. 4305, class 16, then 3013).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlMessage {
    pub number: i32,
    pub state: u8,
    pub class: u8,
    pub text: String,
    /// Empty outside a procedure.
    pub procedure: String,
    /// Line of the batch the statement starts on (1-based).
    pub line: u32,
}

/// One item of a batch's answer, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Rows(ResultSet),
    Message(SqlMessage),
    /// The end of one statement: `rows` for "(n rows affected)" (None: no count), `error`
    /// when the statement failed (DONE_ERROR).
    Done {
        rows: Option<u64>,
        error: bool,
    },
    /// The session's database changed (USE): ENVCHANGE type 1 plus message 5701.
    Database(String),
}

/// A login as LOGIN7 carries it. The password is never logged or printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: String,
    /// The initial database (empty: the login's default, master).
    pub database: String,
    pub app_name: String,
    pub host_name: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .field("database", &self.database)
            .field("app_name", &self.app_name)
            .field("host_name", &self.host_name)
            .finish()
    }
}

/// A session after login: its server process id and current database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub spid: u16,
    pub database: String,
}

/// A named RPC parameter (sp_executesql's @P1...), already decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Value,
}

/// The model side of the range. `endpoint` is the index of the listening instance in
/// `sim::topology::Instance::ALL` (primary, mirror, witness, backup, backup-mirror).
/// Calls are short and synchronous: the wire calls them from its tasks.
pub trait Backend: Send + Sync + 'static {
    /// The server name @@SERVERNAME and LOGINACK report for an endpoint.
    fn server_name(&self, endpoint: usize) -> String;
    /// Check the login; on failure the message (18456, class 14) the client gets.
    fn login(&self, endpoint: usize, login: &Login) -> Result<Session, SqlMessage>;
    /// Run one batch (SQL batch text, or sp_executesql's statement with its parameters).
    fn batch(
        &self,
        endpoint: usize,
        session: &mut Session,
        sql: &str,
        params: &[Param],
    ) -> Vec<Reply>;
    /// The client sent an attention (cancel) or went away mid-batch.
    fn attention(&self, endpoint: usize, session: &Session);
    /// The connection closed: the session is gone (it no longer blocks RESTORE).
    fn logout(&self, endpoint: usize, session: &Session);
}
