//! Bulk row writing for generated data, outside the store's group-commit writer: SQLite through prepared inserts
//! in one transaction per chunk on a connection of its own, PostgreSQL through `COPY … FROM STDIN` (text format).

use std::collections::HashMap;

use yibao_store::{Result, Store, StoreError};

/// A value of a generated row.
#[derive(Debug, Clone, Copy)]
pub enum V<'a> {
    I(i64),
    T(&'a str),
    N,
}

impl rusqlite::ToSql for V<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            V::I(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            V::T(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            V::N => ToSqlOutput::Owned(Value::Null),
        })
    }
}

fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Tables with their columns, as registered.
struct Table {
    name: &'static str,
    cols: &'static str,
    /// SQLite: the insert statement.
    insert: String,
    /// PostgreSQL: COPY text being gathered.
    buf: String,
}

/// Writes rows of several tables; call [`Bulk::flush`] every chunk and at the end.
pub struct Bulk<'s> {
    store: &'s Store,
    sqlite: Option<rusqlite::Connection>,
    tables: Vec<Table>,
    index: HashMap<&'static str, usize>,
    in_tx: bool,
}

impl<'s> Bulk<'s> {
    pub fn new(store: &'s Store) -> Result<Bulk<'s>> {
        let sqlite = match store.sqlite_connection() {
            Some(c) => {
                let c = c?;
                c.execute_batch("PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;").map_err(db)?;
                Some(c)
            }
            None => None,
        };
        Ok(Bulk { store, sqlite, tables: Vec::new(), index: HashMap::new(), in_tx: false })
    }

    /// Adds one row to `table` (columns `cols`, comma-separated, in the order of `vals`).
    pub fn row(&mut self, table: &'static str, cols: &'static str, vals: &[V]) -> Result<()> {
        let k = match self.index.get(table) {
            Some(k) => *k,
            None => {
                let marks: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
                let insert = format!("INSERT INTO {table} ({cols}) VALUES ({})", marks.join(","));
                self.tables.push(Table { name: table, cols, insert, buf: String::new() });
                self.index.insert(table, self.tables.len() - 1);
                self.tables.len() - 1
            }
        };
        if let Some(c) = &self.sqlite {
            if !self.in_tx {
                c.execute_batch("BEGIN").map_err(db)?;
                self.in_tx = true;
            }
            let mut st = c.prepare_cached(&self.tables[k].insert).map_err(db)?;
            st.execute(rusqlite::params_from_iter(vals.iter())).map_err(db)?;
            return Ok(());
        }
        let buf = &mut self.tables[k].buf;
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            match v {
                V::I(n) => {
                    use std::fmt::Write;
                    let _ = write!(buf, "{n}");
                }
                V::N => buf.push_str("\\N"),
                V::T(s) => {
                    for ch in s.chars() {
                        match ch {
                            '\\' => buf.push_str("\\\\"),
                            '\t' => buf.push_str("\\t"),
                            '\n' => buf.push_str("\\n"),
                            '\r' => buf.push_str("\\r"),
                            c => buf.push(c),
                        }
                    }
                }
            }
        }
        buf.push('\n');
        Ok(())
    }

    /// Bytes waiting (PostgreSQL) — flush when large.
    pub fn pending(&self) -> usize {
        self.tables.iter().map(|t| t.buf.len()).sum()
    }

    /// Commits what was written (SQLite: the transaction; PostgreSQL: one COPY per table).
    pub async fn flush(&mut self) -> Result<()> {
        if let Some(c) = &self.sqlite {
            if self.in_tx {
                c.execute_batch("COMMIT").map_err(db)?;
                self.in_tx = false;
            }
            return Ok(());
        }
        let Some(pool) = self.store.pg_pool() else { return Ok(()) };
        let mut conn = pool.acquire().await.map_err(db)?;
        for t in &mut self.tables {
            if t.buf.is_empty() {
                continue;
            }
            let mut copy = conn.copy_in_raw(&format!("COPY {} ({}) FROM STDIN", t.name, t.cols)).await.map_err(db)?;
            copy.send(std::mem::take(&mut t.buf).into_bytes()).await.map_err(db)?;
            copy.finish().await.map_err(db)?;
        }
        Ok(())
    }

    /// Ends the bulk write: commits; on SQLite folds the write-ahead log back into the database, on PostgreSQL
    /// updates the planner's statistics of the tables written.
    pub async fn finish(mut self) -> Result<()> {
        self.flush().await?;
        if let Some(c) = &self.sqlite {
            c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(db)?;
        }
        if let Some(pool) = self.store.pg_pool() {
            for t in &self.tables {
                sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {}", t.name))).execute(pool).await.map_err(db)?;
            }
        }
        Ok(())
    }
}
