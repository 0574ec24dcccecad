//! The Durable Object storage API, by method name: the one word list the
//! model and the rules share (it was written out in four places).
//!
//! Names only: whether a call's receiver really is the object's storage is
//! the model's question ([`super::FileModel::storage_path_at`]).

/// Every asynchronous method of `ctx.storage` (key-value, alarms,
/// transactions): each one is an await, and an input-gate opening.
pub const ASYNC_METHODS: &[&str] = &[
    "get",
    "put",
    "list",
    "delete",
    "deleteAll",
    "getAlarm",
    "setAlarm",
    "deleteAlarm",
    "transaction",
];

/// The storage methods that read state back: key-value reads and the
/// alarm's time.
pub const READ_METHODS: &[&str] = &["get", "list", "getAlarm"];

/// The key-value methods that take one key or many (an array), so that a
/// call per key in a loop can become one call.
pub const BATCHABLE_METHODS: &[&str] = &["get", "put", "delete"];

/// The SQL API's statement method (`sql.exec`).
pub const SQL_EXEC: &str = "exec";

/// `name` is an asynchronous storage method.
pub fn is_async_method(name: &str) -> bool {
    ASYNC_METHODS.contains(&name)
}

/// `name` reads state back (key-value or alarm).
pub fn is_read_method(name: &str) -> bool {
    READ_METHODS.contains(&name)
}

/// `name` reads state back through key-value, alarm or SQL.
pub fn is_read_or_query(name: &str) -> bool {
    is_read_method(name) || name == SQL_EXEC
}

/// `name` is a key-value method that accepts many keys at once.
pub fn is_batchable_method(name: &str) -> bool {
    BATCHABLE_METHODS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_batchable_methods_are_storage_methods() {
        for name in READ_METHODS.iter().chain(BATCHABLE_METHODS) {
            assert!(is_async_method(name), "{name}");
        }
        assert!(is_read_or_query("exec") && !is_read_method("exec"));
        assert!(!is_async_method("exec"));
    }
}
