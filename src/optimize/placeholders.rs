//! Where a `?` parameter may stand in SQL: in value positions only.
//!
//! A fix that turns `${value}` into a `?` binding is safe only where SQLite
//! takes a bound value. Elsewhere a parameter is a syntax error (`JOIN ?`,
//! `IN ?`, `?.id`), is prohibited (`CREATE INDEX … ON t(?)`), or silently
//! changes the meaning (`SUM(?)` sums a constant, `ON CONFLICT(?)` matches
//! nothing, `ORDER BY ?` orders by a constant). [`values_only`] accepts a
//! statement only when it parses and every parameter is one of: the right
//! side of a comparison (`=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`,
//! `LIKE`, `GLOB`), a `BETWEEN` bound, a `LIMIT` or `OFFSET`, or an
//! item of a `VALUES` tuple or an `IN (…)` list. Schema statements take none.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// `VALUES (…)` or a further tuple after it.
    Values,
    /// `IN (…)`.
    InList,
    /// Anything else: a call, a subquery, a column list.
    Other,
}

/// Whether `sql` parses and binds its `?` parameters in value positions only.
pub fn values_only(sql: &str) -> bool {
    let dialect = SQLiteDialect {};
    if Parser::parse_sql(&dialect, sql).is_err() {
        return false;
    }
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return false;
    };
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|token| !matches!(token, Token::Whitespace(_)))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut in_values_clause = false;
    let mut between_pending = 0usize;
    let mut schema = false;
    for (index, token) in tokens.iter().enumerate() {
        let previous = index.checked_sub(1).and_then(|at| tokens.get(at));
        match token {
            Token::Word(word) => match word.keyword {
                Keyword::CREATE | Keyword::ALTER | Keyword::DROP => schema = true,
                Keyword::VALUES => in_values_clause = true,
                Keyword::BETWEEN => between_pending += 1,
                Keyword::AND if between_pending > 0 => {}
                _ => {}
            },
            Token::SemiColon => {
                schema = false;
                in_values_clause = false;
            }
            Token::LParen => {
                let group = match previous {
                    Some(Token::Word(word)) if word.keyword == Keyword::VALUES => Group::Values,
                    Some(Token::Word(word)) if word.keyword == Keyword::IN => Group::InList,
                    Some(Token::Comma) if in_values_clause && groups.is_empty() => Group::Values,
                    _ => Group::Other,
                };
                groups.push(group);
            }
            Token::RParen => {
                groups.pop();
            }
            Token::Placeholder(_) => {
                if schema {
                    return false;
                }
                let allowed = match previous {
                    Some(
                        Token::Eq
                        | Token::DoubleEq
                        | Token::Neq
                        | Token::Lt
                        | Token::LtEq
                        | Token::Gt
                        | Token::GtEq,
                    ) => true,
                    Some(Token::LParen | Token::Comma) => {
                        matches!(groups.last(), Some(Group::Values | Group::InList))
                    }
                    Some(Token::Word(word)) => match word.keyword {
                        Keyword::LIKE
                        | Keyword::GLOB
                        | Keyword::LIMIT
                        | Keyword::OFFSET
                        | Keyword::BETWEEN => true,
                        Keyword::AND if between_pending > 0 => {
                            between_pending -= 1;
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                // `?.column` or `?(…)` use the parameter as a name.
                let next = tokens.get(index + 1);
                if !allowed || matches!(next, Some(Token::Period | Token::LParen)) {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::values_only;

    #[test]
    fn value_positions_are_accepted() {
        for sql in [
            "SELECT * FROM t WHERE id = ?",
            "SELECT * FROM t WHERE a = ? AND b <> ? AND c >= ? AND d LIKE ?",
            "SELECT * FROM t WHERE at BETWEEN ? AND ? ORDER BY at LIMIT ? OFFSET ?",
            "SELECT * FROM t WHERE id IN (?, ?, ?)",
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)",
            "UPDATE t SET a = ?, b = ? WHERE id = ?",
            "DELETE FROM t WHERE id = ? AND owner == ?",
            "INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = ?",
        ] {
            assert!(values_only(sql), "{sql}");
        }
    }

    // Each was a "safe" DO203 fix that broke the query (the safe-writes issue).
    #[test]
    fn parameters_where_sql_forbids_or_misreads_them_are_refused() {
        for sql in [
            "SELECT * FROM a JOIN ? ON t.id = ?.id",
            "SELECT * FROM t WHERE id IN ?",
            "CREATE INDEX i ON t(?)",
            "INSERT INTO t (k) VALUES (1) ON CONFLICT(?) DO NOTHING",
            "SELECT SUM(?) FROM t",
            "SELECT * FROM t ORDER BY ?",
            "SELECT * FROM ?",
            "SELECT * FROM t WHERE ? = 1",
            "SELECT * FROM t WHERE id = ? +",
        ] {
            assert!(!values_only(sql), "{sql}");
        }
    }
}
