//! SQL strings → what the rules need to know about them.
//!
//! A string passed to `sql.exec` is parsed with `sqlparser`'s SQLite dialect
//! into a small, owned summary per statement: its kind (read, write, DDL,
//! transaction control, PRAGMA), the tables it touches, the columns its
//! `WHERE` compares (`=`, ranges, `IN`, `BETWEEN`) and its `ORDER BY` uses,
//! `LIMIT`, aggregates, `GROUP BY`, and for DDL the created table (columns,
//! primary key, unique constraints) or index. Anything `sqlparser` rejects
//! becomes "unknown", and rules stay quiet on unknown SQL. Names keep the
//! spelling they were written with; compare them with [`same_name`], as
//! SQLite does (ASCII case-insensitive).

use sqlparser::ast::{
    BinaryOperator, ColumnOption, Expr, FromTable, FunctionArg, FunctionArgExpr, FunctionArguments,
    GroupByExpr, LimitClause, ObjectName, OrderByKind, OrderBySort, Query, SelectItem, SetExpr,
    Statement, TableConstraint, TableFactor, TableObject, TableWithJoins,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Whether `check` allows one value of `column` only: `column = literal`
/// (either way round), or `column IN (literal)`, alone or as one side of AND.
fn pins_to_one_value(check: &Expr, column: &str) -> bool {
    let is_column = |expr: &Expr| match expr {
        Expr::Identifier(ident) => same_name(&ident.value, column),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .is_some_and(|ident| same_name(&ident.value, column)),
        _ => false,
    };
    let is_literal = |expr: &Expr| matches!(expr, Expr::Value(_));
    match check {
        Expr::Nested(inner) => pins_to_one_value(inner, column),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => (is_column(left) && is_literal(right)) || (is_literal(left) && is_column(right)),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => pins_to_one_value(left, column) || pins_to_one_value(right, column),
        Expr::InList {
            expr,
            list,
            negated: false,
        } => is_column(expr) && list.len() == 1 && is_literal(&list[0]),
        _ => false,
    }
}

/// SQLite compares identifiers ASCII case-insensitively.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// What a statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    Select,
    Insert,
    Update,
    Delete,
    CreateTable,
    CreateIndex,
    /// Other DDL (DROP, ALTER, CREATE VIEW/TRIGGER…).
    OtherDdl,
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`.
    Transaction,
    Pragma,
    Other,
}

impl StatementKind {
    pub fn is_write(self) -> bool {
        matches!(
            self,
            StatementKind::Insert | StatementKind::Update | StatementKind::Delete
        )
    }

    pub fn is_ddl(self) -> bool {
        matches!(
            self,
            StatementKind::CreateTable | StatementKind::CreateIndex | StatementKind::OtherDdl
        )
    }
}

/// How a `WHERE` clause compares a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Equal,
    Range,
    In,
}

/// A column a statement filters on, with the table it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFilter {
    pub table: String,
    pub column: String,
    pub op: FilterOp,
}

/// A column a statement orders by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderColumn {
    pub table: String,
    pub column: String,
    pub descending: bool,
}

/// A `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<String>,
    /// Primary key columns, in key order (empty: only the implicit rowid).
    pub primary_key: Vec<String>,
    /// Every UNIQUE constraint, column-level or table-level.
    pub unique: Vec<Vec<String>>,
    /// A one-column primary key that a CHECK pins to one value
    /// (`id INTEGER PRIMARY KEY CHECK (id = 1)`): the table holds at most one row.
    pub single_row: bool,
}

impl TableDef {
    pub fn has_column(&self, column: &str) -> bool {
        is_rowid(column) || self.columns.iter().any(|known| same_name(known, column))
    }

    /// First columns of the primary key and of every UNIQUE constraint: the
    /// keys SQLite already indexes.
    pub fn key_leading_columns(&self) -> impl Iterator<Item = &str> {
        self.primary_key
            .first()
            .into_iter()
            .chain(self.unique.iter().filter_map(|columns| columns.first()))
            .map(String::as_str)
    }

    /// Whether equality on exactly these columns finds at most one row.
    pub fn is_unique_key(&self, columns: &[&str]) -> bool {
        let covers = |key: &Vec<String>| {
            !key.is_empty()
                && key
                    .iter()
                    .all(|part| columns.iter().any(|column| same_name(part, column)))
        };
        columns.iter().any(|column| is_rowid(column))
            || covers(&self.primary_key)
            || self.unique.iter().any(covers)
    }
}

/// `rowid` and its aliases are always indexed.
pub fn is_rowid(column: &str) -> bool {
    ["rowid", "oid", "_rowid_"]
        .iter()
        .any(|alias| same_name(alias, column))
}

/// A `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub name: Option<String>,
    pub table: String,
    pub columns: Vec<String>,
    /// `INCLUDE (…)`: a Postgres / SQL Server form SQLite rejects.
    pub include: Vec<String>,
    pub unique: bool,
}

/// One parsed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement {
    pub kind: StatementKind,
    /// The table written by INSERT/UPDATE/DELETE, or the single table a SELECT
    /// reads (`None` for joins and subqueries in FROM).
    pub table: Option<String>,
    /// Every table named in FROM / JOIN / INTO / UPDATE.
    pub tables: Vec<String>,
    pub filters: Vec<ColumnFilter>,
    pub order_by: Vec<OrderColumn>,
    pub has_where: bool,
    pub has_limit: bool,
    pub has_group_by: bool,
    /// The projection holds an aggregate (`COUNT`, `SUM`…).
    pub has_aggregate: bool,
    pub select_star: bool,
    /// INSERT with `ON CONFLICT`, `OR REPLACE` / `OR IGNORE`, or REPLACE.
    pub insert_handles_conflict: bool,
    /// UPDATE with `SET x = x + …` (not idempotent on retry).
    pub increments_column: bool,
    pub created_table: Option<TableDef>,
    pub created_index: Option<IndexDef>,
    /// The PRAGMA name, e.g. `user_version`.
    pub pragma: Option<String>,
    /// The transaction keyword, e.g. `BEGIN`.
    pub transaction: Option<&'static str>,
    /// Subqueries (`IN (SELECT …)`, `EXISTS (…)`, `FROM (…)`) and the arms
    /// of a `UNION`, each summarized as a `SELECT` of its own.
    pub subqueries: Vec<SqlStatement>,
}

impl SqlStatement {
    fn new(kind: StatementKind) -> Self {
        Self {
            kind,
            table: None,
            tables: Vec::new(),
            filters: Vec::new(),
            order_by: Vec::new(),
            has_where: false,
            has_limit: false,
            has_group_by: false,
            has_aggregate: false,
            select_star: false,
            insert_handles_conflict: false,
            increments_column: false,
            created_table: None,
            created_index: None,
            pragma: None,
            transaction: None,
            subqueries: Vec::new(),
        }
    }
}

/// The longest SQL text that is parsed. Parsing holds the whole syntax tree
/// of the text (a 1 MiB `UNION ALL` of 55,000 terms took 730 MB), and files
/// parse one per core: longer texts are left unanalyzed, with a note.
pub const MAX_SQL_TEXT: usize = 64 * 1024;

/// Parse SQL text (one or more statements). Statements `sqlparser` rejects are
/// left out; `None` when nothing parsed, or when the text is longer than
/// [`MAX_SQL_TEXT`].
pub fn analyze(text: &str) -> Option<Vec<SqlStatement>> {
    if text.len() > MAX_SQL_TEXT {
        return None;
    }
    let dialect = SQLiteDialect {};
    let statements = match Parser::parse_sql(&dialect, text) {
        Ok(statements) => statements,
        Err(_) => {
            // One statement SQLite accepts but sqlparser does not must not hide
            // the others: retry statement by statement.
            if !text.contains(';') {
                return None;
            }
            text.split(';')
                .filter(|part| !part.trim().is_empty())
                .filter_map(|part| Parser::parse_sql(&dialect, part).ok())
                .flatten()
                .collect()
        }
    };
    if statements.is_empty() {
        return None;
    }
    Some(statements.iter().map(summarize).collect())
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .unwrap_or_else(|| name.to_string())
}

fn summarize(statement: &Statement) -> SqlStatement {
    match statement {
        Statement::Query(query) => summarize_query(query),
        Statement::Insert(insert) => {
            let mut summary = SqlStatement::new(StatementKind::Insert);
            if let TableObject::TableName(name) = &insert.table {
                let table = object_name(name);
                summary.tables.push(table.clone());
                summary.table = Some(table);
            }
            summary.insert_handles_conflict =
                insert.on.is_some() || insert.or.is_some() || insert.replace_into || insert.ignore;
            summary
        }
        Statement::Update(update) => {
            let mut summary = SqlStatement::new(StatementKind::Update);
            let scope = Scope::from_tables(std::slice::from_ref(&update.table));
            summary.tables = scope.tables.iter().map(|(name, _)| name.clone()).collect();
            summary.table = scope.single_table();
            if let Some(selection) = &update.selection {
                summary.has_where = true;
                collect_filters(selection, &scope, &mut summary.filters);
                collect_subqueries(selection, &mut summary.subqueries);
            }
            summary.has_limit = update.limit.is_some();
            summary.increments_column = update.assignments.iter().any(|assignment| {
                let target = assignment.target.to_string();
                references_column(&assignment.value, &target)
                    && matches!(
                        assignment.value,
                        Expr::BinaryOp {
                            op: BinaryOperator::Plus | BinaryOperator::Minus,
                            ..
                        }
                    )
            });
            summary
        }
        Statement::Delete(delete) => {
            let mut summary = SqlStatement::new(StatementKind::Delete);
            let from = match &delete.from {
                FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables) => tables,
            };
            let scope = Scope::from_tables(from);
            summary.tables = scope.tables.iter().map(|(name, _)| name.clone()).collect();
            summary.table = scope.single_table();
            if let Some(selection) = &delete.selection {
                summary.has_where = true;
                collect_filters(selection, &scope, &mut summary.filters);
                collect_subqueries(selection, &mut summary.subqueries);
            }
            summary.has_limit = delete.limit.is_some();
            summary
        }
        Statement::CreateTable(create) => {
            let mut summary = SqlStatement::new(StatementKind::CreateTable);
            let name = object_name(&create.name);
            let mut table = TableDef {
                name: name.clone(),
                columns: Vec::new(),
                primary_key: Vec::new(),
                unique: Vec::new(),
                single_row: false,
            };
            let mut checks: Vec<&Expr> = Vec::new();
            for column in &create.columns {
                table.columns.push(column.name.value.clone());
                for option in &column.options {
                    match &option.option {
                        ColumnOption::PrimaryKey(_) => {
                            table.primary_key = vec![column.name.value.clone()]
                        }
                        ColumnOption::Unique(_) => {
                            table.unique.push(vec![column.name.value.clone()])
                        }
                        ColumnOption::Check(check) => checks.push(&check.expr),
                        _ => {}
                    }
                }
            }
            for constraint in &create.constraints {
                match constraint {
                    TableConstraint::PrimaryKey(key) => {
                        table.primary_key = key
                            .columns
                            .iter()
                            .map(|column| column.column.expr.to_string())
                            .collect()
                    }
                    TableConstraint::Unique(unique) => table.unique.push(
                        unique
                            .columns
                            .iter()
                            .map(|column| column.column.expr.to_string())
                            .collect(),
                    ),
                    TableConstraint::Check(check) => checks.push(&check.expr),
                    _ => {}
                }
            }
            table.single_row = match table.primary_key.as_slice() {
                [key] => checks.iter().any(|check| pins_to_one_value(check, key)),
                _ => false,
            };
            summary.table = Some(name.clone());
            summary.tables.push(name);
            summary.created_table = Some(table);
            summary
        }
        Statement::CreateIndex(create) => {
            let mut summary = SqlStatement::new(StatementKind::CreateIndex);
            let table = object_name(&create.table_name);
            summary.created_index = Some(IndexDef {
                name: create.name.as_ref().map(object_name),
                table: table.clone(),
                columns: create
                    .columns
                    .iter()
                    .map(|column| column.column.expr.to_string())
                    .collect(),
                include: create
                    .include
                    .iter()
                    .map(|ident| ident.value.clone())
                    .collect(),
                unique: create.unique,
            });
            summary.table = Some(table.clone());
            summary.tables.push(table);
            summary
        }
        Statement::StartTransaction { .. } => transaction("BEGIN"),
        Statement::Commit { .. } => transaction("COMMIT"),
        Statement::Rollback { savepoint, .. } => transaction(if savepoint.is_some() {
            "ROLLBACK TO"
        } else {
            "ROLLBACK"
        }),
        Statement::Savepoint { .. } => transaction("SAVEPOINT"),
        Statement::ReleaseSavepoint { .. } => transaction("RELEASE"),
        Statement::Pragma { name, .. } => {
            let mut summary = SqlStatement::new(StatementKind::Pragma);
            summary.pragma = Some(object_name(name));
            summary
        }
        Statement::Drop { .. }
        | Statement::AlterTable { .. }
        | Statement::CreateView { .. }
        | Statement::CreateTrigger { .. }
        | Statement::DropTrigger { .. }
        | Statement::CreateVirtualTable { .. } => SqlStatement::new(StatementKind::OtherDdl),
        _ => SqlStatement::new(StatementKind::Other),
    }
}

fn transaction(keyword: &'static str) -> SqlStatement {
    let mut summary = SqlStatement::new(StatementKind::Transaction);
    summary.transaction = Some(keyword);
    summary
}

/// The tables in scope of a query and their aliases.
struct Scope {
    /// (table name, alias or the name itself)
    tables: Vec<(String, String)>,
    /// A subquery or table function in FROM: unqualified columns are unknown.
    opaque: bool,
}

impl Scope {
    fn from_tables(from: &[TableWithJoins]) -> Self {
        let mut scope = Scope {
            tables: Vec::new(),
            opaque: false,
        };
        for table in from {
            scope.add(&table.relation);
            for join in &table.joins {
                scope.add(&join.relation);
            }
        }
        scope
    }

    fn add(&mut self, factor: &TableFactor) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let table = object_name(name);
                let alias = alias
                    .as_ref()
                    .map(|alias| alias.name.value.clone())
                    .unwrap_or_else(|| table.clone());
                self.tables.push((table, alias));
            }
            _ => self.opaque = true,
        }
    }

    fn single_table(&self) -> Option<String> {
        match self.tables.as_slice() {
            [(table, _)] if !self.opaque => Some(table.clone()),
            _ => None,
        }
    }

    /// The table a column reference belongs to, when it is certain.
    fn resolve(&self, expr: &Expr) -> Option<(String, String)> {
        match expr {
            Expr::Identifier(ident) => self
                .single_table()
                .map(|table| (table, ident.value.clone())),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                let qualifier = &parts[0].value;
                self.tables
                    .iter()
                    .find(|(_, alias)| same_name(alias, qualifier))
                    .map(|(table, _)| (table.clone(), parts[1].value.clone()))
            }
            Expr::Nested(inner) => self.resolve(inner),
            _ => None,
        }
    }
}

fn summarize_query(query: &Query) -> SqlStatement {
    let mut summary = SqlStatement::new(StatementKind::Select);
    summary.has_limit = match &query.limit_clause {
        Some(LimitClause::LimitOffset { limit, .. }) => limit.is_some(),
        Some(_) => true,
        None => false,
    } || query.fetch.is_some();
    let SetExpr::Select(select) = query.body.as_ref() else {
        // UNION, VALUES…: only the kind is known; each arm is a subquery.
        collect_set_arms(query.body.as_ref(), &mut summary.subqueries);
        return summary;
    };
    collect_derived_tables(&select.from, &mut summary.subqueries);
    let scope = Scope::from_tables(&select.from);
    summary.tables = scope.tables.iter().map(|(name, _)| name.clone()).collect();
    summary.table = scope.single_table();
    summary.has_group_by = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(expressions, _) => !expressions.is_empty(),
    };
    for item in &select.projection {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                summary.select_star = true
            }
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }
                if is_aggregate(expr) =>
            {
                summary.has_aggregate = true;
            }
            _ => {}
        }
    }
    if let Some(selection) = &select.selection {
        summary.has_where = true;
        collect_filters(selection, &scope, &mut summary.filters);
        collect_subqueries(selection, &mut summary.subqueries);
    }
    if let Some(order_by) = &query.order_by
        && let OrderByKind::Expressions(expressions) = &order_by.kind
    {
        for order in expressions {
            if let Some((table, column)) = scope.resolve(&order.expr) {
                summary.order_by.push(OrderColumn {
                    table,
                    column,
                    descending: matches!(order.options.sort, Some(OrderBySort::Desc)),
                });
            }
        }
    }
    summary
}

/// The arms of a `UNION` / `INTERSECT` / `EXCEPT`, each as a statement.
fn collect_set_arms(set: &SetExpr, out: &mut Vec<SqlStatement>) {
    match set {
        SetExpr::SetOperation { left, right, .. } => {
            collect_set_arms(left, out);
            collect_set_arms(right, out);
        }
        SetExpr::Query(query) => out.push(summarize_query(query)),
        SetExpr::Select(select) => {
            let mut query = bare_query();
            *query.body = SetExpr::Select(select.clone());
            out.push(summarize_query(&query));
        }
        _ => {}
    }
}

/// A `SELECT` query with no clauses, to hang a bare `UNION` arm on.
fn bare_query() -> Box<Query> {
    match Parser::parse_sql(&SQLiteDialect {}, "SELECT 1")
        .ok()
        .and_then(|mut statements| statements.pop())
    {
        Some(Statement::Query(query)) => query,
        _ => unreachable!("`SELECT 1` parses"),
    }
}

/// Subqueries in `FROM` / `JOIN` (`FROM (SELECT …) AS t`).
fn collect_derived_tables(from: &[TableWithJoins], out: &mut Vec<SqlStatement>) {
    for table in from {
        let joined = table.joins.iter().map(|join| &join.relation);
        for factor in std::iter::once(&table.relation).chain(joined) {
            if let TableFactor::Derived { subquery, .. } = factor {
                out.push(summarize_query(subquery));
            }
        }
    }
}

/// Subqueries in a condition: `IN (SELECT …)`, `EXISTS (…)`, `(SELECT …)`.
fn collect_subqueries(expr: &Expr, out: &mut Vec<SqlStatement>) {
    match expr {
        Expr::InSubquery { expr, subquery, .. } => {
            collect_subqueries(expr, out);
            out.push(summarize_query(subquery));
        }
        Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => {
            out.push(summarize_query(subquery))
        }
        Expr::BinaryOp { left, right, .. } => {
            collect_subqueries(left, out);
            collect_subqueries(right, out);
        }
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => collect_subqueries(expr, out),
        _ => {}
    }
}

fn is_aggregate(expr: &Expr) -> bool {
    match expr {
        Expr::Function(function) => {
            let name = object_name(&function.name);
            [
                "count",
                "sum",
                "avg",
                "min",
                "max",
                "total",
                "group_concat",
                "json_group_array",
            ]
            .iter()
            .any(|aggregate| same_name(aggregate, &name))
                // `COALESCE(MAX(seq), -1) + 1`: a function of an aggregate.
                || matches!(&function.args, FunctionArguments::List(list)
                    if list.args.iter().any(|argument| matches!(argument,
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(inner))
                            | FunctionArg::Named { arg: FunctionArgExpr::Expr(inner), .. }
                            if is_aggregate(inner))))
        }
        Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => is_aggregate(inner),
        Expr::BinaryOp { left, right, .. } => is_aggregate(left) || is_aggregate(right),
        _ => false,
    }
}

/// Whether an expression mentions no column (a value: placeholder, literal,
/// arithmetic or a function of values).
fn is_value(expr: &Expr) -> bool {
    match expr {
        Expr::Value(_) => true,
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => false,
        Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. }
        | Expr::Cast { expr: inner, .. } => is_value(inner),
        Expr::BinaryOp { left, right, .. } => is_value(left) && is_value(right),
        // `unixepoch()`, `strftime('%s', 'now')`: a call with no column among
        // its arguments is a value.
        Expr::Function(function) => !mentions_bare_name(&function.args.to_string()),
        _ => false,
    }
}

/// Whether SQL text (outside quoted strings) holds a bare name.
fn mentions_bare_name(text: &str) -> bool {
    let mut in_string = false;
    let mut word = String::new();
    for character in text.chars().chain(std::iter::once(' ')) {
        if character == '\'' {
            in_string = !in_string;
            continue;
        }
        if in_string {
            continue;
        }
        if character.is_alphanumeric() || character == '_' {
            word.push(character);
        } else {
            if word
                .chars()
                .next()
                .is_some_and(|first| first.is_alphabetic())
            {
                return true;
            }
            word.clear();
        }
    }
    false
}

fn collect_filters(expr: &Expr, scope: &Scope, out: &mut Vec<ColumnFilter>) {
    let mut push = |column: &Expr, op: FilterOp| {
        if let Some((table, column)) = scope.resolve(column) {
            out.push(ColumnFilter { table, column, op });
        }
    };
    match expr {
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::And | BinaryOperator::Or => {
                collect_filters(left, scope, out);
                collect_filters(right, scope, out);
            }
            BinaryOperator::Eq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq => {
                let kind = if matches!(op, BinaryOperator::Eq) {
                    FilterOp::Equal
                } else {
                    FilterOp::Range
                };
                if is_value(right) {
                    push(left, kind);
                } else if is_value(left) {
                    push(right, kind);
                }
            }
            _ => {}
        },
        Expr::InList {
            expr,
            list,
            negated: false,
        } if list.iter().all(is_value) => push(expr, FilterOp::In),
        Expr::Between {
            expr,
            negated: false,
            low,
            high,
        } if is_value(low) && is_value(high) => push(expr, FilterOp::Range),
        Expr::Nested(inner) => collect_filters(inner, scope, out),
        _ => {}
    }
}

fn references_column(expr: &Expr, column: &str) -> bool {
    match expr {
        Expr::Identifier(ident) => same_name(&ident.value, column),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .is_some_and(|part| same_name(&part.value, column)),
        Expr::BinaryOp { left, right, .. } => {
            references_column(left, column) || references_column(right, column)
        }
        Expr::Nested(inner) => references_column(inner, column),
        Expr::Function(function) => function.args.to_string().contains(column),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> SqlStatement {
        analyze(text).expect("parses").remove(0)
    }

    #[test]
    fn reads_where_and_order_by() {
        let select =
            one("SELECT * FROM messages WHERE room = ? AND at > ? ORDER BY at DESC LIMIT 50");
        assert_eq!(select.kind, StatementKind::Select);
        assert_eq!(select.table.as_deref(), Some("messages"));
        let columns: Vec<_> = select
            .filters
            .iter()
            .map(|f| (f.column.as_str(), f.op))
            .collect();
        assert_eq!(
            columns,
            vec![("room", FilterOp::Equal), ("at", FilterOp::Range)]
        );
        assert!(select.order_by[0].descending);
        assert!(select.has_limit && select.select_star);
    }

    #[test]
    fn resolves_aliases_in_joins() {
        let select = one(
            "SELECT m.*, u.name FROM messages m JOIN users u ON m.user_id = u.id WHERE m.user_id = ?",
        );
        assert_eq!(select.table, None);
        assert_eq!(select.filters[0].table, "messages");
        assert_eq!(select.filters[0].column, "user_id");
    }

    #[test]
    fn reads_ddl() {
        let statements = analyze(
            "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, a TEXT, b TEXT, UNIQUE(a, b));
             CREATE INDEX IF NOT EXISTS idx_t_a ON t(a, b DESC);",
        )
        .unwrap();
        let table = statements[0].created_table.as_ref().unwrap();
        assert_eq!(table.primary_key, vec!["id"]);
        assert_eq!(
            table.key_leading_columns().collect::<Vec<_>>(),
            vec!["id", "email", "a"]
        );
        let index = statements[1].created_index.as_ref().unwrap();
        assert_eq!(index.columns, vec!["a", "b"]);
    }

    #[test]
    fn reads_transactions_pragmas_and_writes() {
        assert_eq!(one("BEGIN TRANSACTION").transaction, Some("BEGIN"));
        assert_eq!(one("COMMIT").transaction, Some("COMMIT"));
        assert_eq!(
            one("PRAGMA user_version = 2").pragma.as_deref(),
            Some("user_version")
        );
        assert!(
            one("INSERT INTO t (a) VALUES (?) ON CONFLICT(a) DO NOTHING").insert_handles_conflict
        );
        assert!(one("UPDATE t SET n = n + 1 WHERE id = ?").increments_column);
        assert!(one("SELECT COUNT(*) AS c FROM t").has_aggregate);
    }

    #[test]
    fn unknown_sql_is_none() {
        assert!(analyze("this is not sql").is_none());
    }
}
