//! A lean HIS-side client for the load generator: one HTTP/1.1 keep-alive connection, signed calls, request bodies
//! written as text and answers read only as far as a flow needs.
//!
//! `yibao_gateway::client::Client` is the convenient client (tests, demos); this one exists because the load
//! generator shares the machine with the gateway it measures, and every microsecond it spends is taken from the
//! gateway.

use std::fmt::Write;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::value::RawValue;
use yibao_gateway::auth::signature;
use yibao_store::InstitutionRow;

/// A signed connection to a gateway, over which any institution's calls go.
pub struct His {
    addr: String,
    conn: Option<SendRequest<Full<Bytes>>>,
    seq: u64,
    tag: u64,
}

/// The part of every answer a flow reads.
#[derive(Deserialize)]
pub struct Reply<'a> {
    pub infcode: i64,
    #[serde(borrow, default)]
    pub err_msg: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub output: &'a RawValue,
}

/// Why a call did not give an answer.
#[derive(Debug)]
pub enum CallError {
    /// The gateway could not be reached or broke the connection.
    Down(String),
    /// The answer was not the interface's JSON.
    Garbled(String),
}

impl His {
    /// `base` is the gateway's URL (`http://host:port`); `tag` keeps msgids of several load generators apart.
    pub fn new(base: &str, tag: u64) -> His {
        let addr = base.trim_start_matches("http://").trim_end_matches('/').to_string();
        His { addr, conn: None, seq: 0, tag }
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, CallError> {
        if self.conn.as_ref().is_none_or(|c| c.is_closed()) {
            let tcp = tokio::net::TcpStream::connect(&self.addr).await.map_err(|e| CallError::Down(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .map_err(|e| CallError::Down(e.to_string()))?;
            tokio::spawn(conn);
            self.conn = Some(send);
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    /// Posts one call of an institution (`input` is the JSON text of the `input` node) under msgid
    /// institution code + time + `serial` (the interface's 30 characters); returns the answer's body.
    pub async fn call(
        &mut self,
        inst: &InstitutionRow,
        serial: u32,
        infno: &str,
        input: &str,
    ) -> Result<Bytes, CallError> {
        self.seq += 1;
        let now = chrono::Local::now();
        let ts = chrono::Utc::now().timestamp().to_string();
        let nonce = format!("{}-{}-{}", self.tag, self.seq, now.timestamp_subsec_nanos());
        let sig = signature(&ts, &inst.secret, &nonce);
        let mut body = String::with_capacity(input.len() + 400);
        let code = &inst.fixmedins_code;
        let _ = write!(
            body,
            r#"{{"infno":"{infno}","msgid":"{code}{}{:04}","mdtrtarea_admvs":"{a}","insuplc_admdvs":"{a}","recer_sys_code":"YBXT","infver":"V1.0","opter_type":"1","opter":"0001","opter_name":"收费员","inf_time":"{}","fixmedins_code":"{code}","fixmedins_name":"{}","sign_no":"","input":{input}}}"#,
            now.format("%Y%m%d%H%M%S"),
            serial % 10_000,
            now.format("%Y-%m-%d %H:%M:%S"),
            inst.fixmedins_name,
            a = inst.admdvs,
        );
        let req = hyper::Request::post("/fsi/api")
            .header(hyper::header::HOST, &self.addr)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header("x-tif-paasid", &inst.paasid)
            .header("x-tif-timestamp", ts)
            .header("x-tif-nonce", nonce)
            .header("x-tif-signature", sig)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| CallError::Garbled(e.to_string()))?;
        let conn = self.connect().await?;
        let res = match conn.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                self.conn = None;
                return Err(CallError::Down(e.to_string()));
            }
        };
        match res.into_body().collect().await {
            Ok(b) => Ok(b.to_bytes()),
            Err(e) => {
                self.conn = None;
                Err(CallError::Down(e.to_string()))
            }
        }
    }
}

/// Reads an answer's envelope.
pub fn reply(body: &[u8]) -> Result<Reply<'_>, CallError> {
    serde_json::from_slice(body).map_err(|e| CallError::Garbled(format!("{e}: {}", String::from_utf8_lossy(body))))
}
