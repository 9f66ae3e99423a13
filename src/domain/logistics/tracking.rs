//! Tracking (LOG-2): events from tracking providers, pushed to
//! `POST /api/v1/hooks/tracking/{provider}` (no session: the provider signs the body with the
//! secret the admin set for it), stored on the shipment whose B/L, container, booking or
//! tracking number they name (each event once), moving its ETA and status on and telling the
//! order (delivered).
//!
//! The payload shapes and signatures followed:
//! - 17TRACK tracking API v2, "webhook" notification (api.17track.net, doc v2.2): a JSON body
//!   `{"event": "TRACKING_UPDATED", "data": {"number", "track_info": {"latest_status":
//!   {"status"}, "time_metrics": {"estimated_delivery_date": {"from", "to"}}, "tracking":
//!   {"providers": [{"events": [{"time_iso", "time_utc", "description", "location"}]}]}}}}`,
//!   signed in the header `sign` = hex(sha256(body + "/" + secret)).
//! - AfterShip tracking webhooks (aftership.com/docs/tracking/webhook/webhook-signature): a
//!   JSON body `{"event_id", "event", "ts", "msg": {"tracking_number", "tag",
//!   "expected_delivery", "checkpoints": [{"checkpoint_time", "message", "location", "tag"}]}}`,
//!   signed in the header `aftership-hmac-sha256` = base64(HMAC-SHA256(secret, raw body)).
//!
//! Replays are refused without effect: a body whose digest (or whose `event_id`) was already
//! applied, or whose timestamp (`ts`) lies outside [`WINDOW_HOURS`] of now.

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::shipments::{self, Shipment, ShipmentStatus, TrackEvent};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::kit::{Guarded, Owner};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::{Actor, Entity, IndexKey, Tx};

/// How far a provider's timestamp may be from now (its retries come within this).
pub const WINDOW_HOURS: i64 = 72;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Provider {
    #[serde(rename = "17track")]
    SeventeenTrack,
    #[serde(rename = "aftership")]
    AfterShip,
}

impl Provider {
    pub fn parse(name: &str) -> Option<Provider> {
        match name {
            "17track" => Some(Provider::SeventeenTrack),
            "aftership" => Some(Provider::AfterShip),
            _ => None,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Provider::SeventeenTrack => "17track",
            Provider::AfterShip => "aftership",
        }
    }
}

/// The providers' webhook secrets (set by an admin; never answered back).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TrackingSettings {
    pub secrets: Vec<(Provider, String)>,
}

impl Entity for TrackingSettings {
    const KIND: &'static str = "tracking_settings";
    const SECRET_FIELDS: &'static [&'static str] = &["secrets"];
    fn title(&self) -> String {
        "tracking settings".into()
    }
}

impl Guarded for TrackingSettings {
    const MODULE: Module = Module::Settings;
    const OWNER: Owner = Owner::Nobody;
}

const SETTINGS_ID: u64 = 1;

fn settings(tx: &Tx) -> AppResult<TrackingSettings> {
    Ok(tx
        .get_live::<TrackingSettings>(SETTINGS_ID)
        .map(|r| r.data)
        .unwrap_or_default())
}

/// Which providers have a secret (the secrets themselves are never shown).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderState {
    pub provider: Provider,
    pub secret_set: bool,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretInput {
    pub provider: Provider,
    /// The webhook secret from the provider's settings; empty removes it.
    pub secret: String,
}

fn states(s: &TrackingSettings) -> Vec<ProviderState> {
    [Provider::SeventeenTrack, Provider::AfterShip]
        .into_iter()
        .map(|p| ProviderState {
            provider: p,
            secret_set: s.secrets.iter().any(|(q, _)| *q == p),
        })
        .collect()
}

pub fn get_settings(k: &Kontor, p: &Principal) -> AppResult<Vec<ProviderState>> {
    p.require_all(Module::Settings, Action::Read)?;
    k.store.read(|tx| Ok(states(&settings(tx)?)))
}

pub fn set_secret(k: &Kontor, p: &Principal, input: SecretInput) -> AppResult<Vec<ProviderState>> {
    p.require_all(Module::Settings, Action::Update)?;
    let secret = input.secret.trim().to_string();
    if secret.len() > 200 || secret.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "secret",
            Msg::new(
                "密钥最多 200 个字符，不能含控制字符。",
                "The secret may have at most 200 characters and no control characters.",
            ),
        ));
    }
    let actor = p.actor();
    k.store.write(move |tx| {
        let mut s = settings(tx)?;
        s.secrets.retain(|(q, _)| *q != input.provider);
        if !secret.is_empty() {
            s.secrets.push((input.provider, secret.clone()));
        }
        if tx.get_live::<TrackingSettings>(SETTINGS_ID).is_ok() {
            tx.update::<TrackingSettings, AppError>(&actor, SETTINGS_ID, None, |x| {
                *x = s.clone();
                Ok(())
            })?;
        } else {
            tx.insert(&actor, s.clone())?;
        }
        Ok(states(&s))
    })
}

// ---- signatures ------------------------------------------------------------------------------

/// Compares in time independent of where the two differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signature a provider puts on `body` with `secret`.
pub fn signature(provider: Provider, secret: &str, body: &[u8]) -> String {
    match provider {
        Provider::SeventeenTrack => {
            let mut h = Sha256::new();
            h.update(body);
            h.update(b"/");
            h.update(secret.as_bytes());
            hex::encode(h.finalize())
        }
        Provider::AfterShip => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(body);
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
    }
}

/// The header a provider signs in.
pub fn header(provider: Provider) -> &'static str {
    match provider {
        Provider::SeventeenTrack => "sign",
        Provider::AfterShip => "aftership-hmac-sha256",
    }
}

// ---- payloads --------------------------------------------------------------------------------

/// What one notification (or poll) says about one tracking number.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackUpdate {
    pub number: String,
    pub events: Vec<(DateTime<Utc>, String, Option<String>)>,
    pub eta: Option<NaiveDate>,
    pub status: Option<ShipmentStatus>,
    pub event_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

fn date(v: &Value) -> Option<NaiveDate> {
    let s = v.as_str()?;
    time(v)
        .map(|t| t.date_naive())
        .or_else(|| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
}

/// A provider's status word as a shipment status (17TRACK and AfterShip share most words).
fn status(word: &str) -> Option<ShipmentStatus> {
    match word {
        "InTransit" | "InfoReceived" | "Exception" => Some(ShipmentStatus::InTransit),
        "OutForDelivery" | "AvailableForPickup" => Some(ShipmentStatus::Arrived),
        "Delivered" => Some(ShipmentStatus::Delivered),
        _ => None,
    }
}

fn bad(msg_zh: &str, msg_en: &str) -> AppError {
    AppError::invalid("body", Msg::new(msg_zh.to_string(), msg_en.to_string()))
}

/// A 17TRACK v2 notification; `None` for an event other than TRACKING_UPDATED.
pub fn parse_17track(v: &Value) -> AppResult<Option<TrackUpdate>> {
    if v["event"].as_str() != Some("TRACKING_UPDATED") {
        return Ok(None);
    }
    let data = &v["data"];
    let number = data["number"]
        .as_str()
        .ok_or_else(|| bad("缺少 data.number。", "data.number is missing."))?;
    let info = &data["track_info"];
    let mut events = Vec::new();
    for p in info["tracking"]["providers"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for e in p["events"].as_array().into_iter().flatten() {
            let Some(at) = time(&e["time_utc"]).or_else(|| time(&e["time_iso"])) else {
                continue;
            };
            let desc = e["description"].as_str().unwrap_or_default().to_string();
            let loc = e["location"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(String::from);
            events.push((at, desc, loc));
        }
    }
    let edd = &info["time_metrics"]["estimated_delivery_date"];
    Ok(Some(TrackUpdate {
        number: number.to_string(),
        events,
        eta: date(&edd["to"]).or_else(|| date(&edd["from"])),
        status: info["latest_status"]["status"].as_str().and_then(status),
        event_id: None,
        sent_at: None,
    }))
}

/// An AfterShip tracking notification.
pub fn parse_aftership(v: &Value) -> AppResult<Option<TrackUpdate>> {
    let msg = &v["msg"];
    let number = msg["tracking_number"].as_str().ok_or_else(|| {
        bad(
            "缺少 msg.tracking_number。",
            "msg.tracking_number is missing.",
        )
    })?;
    let mut events = Vec::new();
    for c in msg["checkpoints"].as_array().into_iter().flatten() {
        let Some(at) = time(&c["checkpoint_time"]) else {
            continue;
        };
        let desc = c["message"].as_str().unwrap_or_default().to_string();
        let loc = c["location"]
            .as_str()
            .or_else(|| c["city"].as_str())
            .filter(|s| !s.is_empty())
            .map(String::from);
        events.push((at, desc, loc));
    }
    Ok(Some(TrackUpdate {
        number: number.to_string(),
        events,
        eta: date(&msg["expected_delivery"]),
        status: msg["tag"].as_str().and_then(status),
        event_id: v["event_id"].as_str().map(String::from),
        sent_at: v["ts"]
            .as_i64()
            .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)),
    }))
}

// ---- receiving -------------------------------------------------------------------------------

/// What a notification did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    /// Events new to the shipment.
    pub new_events: usize,
}

const REPLAYS: &str = "tracking_replay";

fn unauthorized() -> AppError {
    AppError::new(ErrorCode::Unauthenticated)
        .with_msg(Msg::new("签名无效。", "The signature is not valid."))
}

fn replayed() -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
        "这条通知已处理过或已过期。",
        "This notification was already applied or is too old.",
    ))
}

/// A provider's signed notification: checked, parsed and applied (see the module notes).
pub fn receive(
    k: &Kontor,
    provider: &str,
    signature_header: Option<&str>,
    body: &[u8],
) -> AppResult<Received> {
    let Some(provider) = Provider::parse(provider) else {
        return Err(AppError::not_found());
    };
    let secret = k.store.read(|tx| {
        Ok::<_, AppError>(
            settings(tx)?
                .secrets
                .into_iter()
                .find(|(p, _)| *p == provider)
                .map(|(_, s)| s),
        )
    })?;
    let (Some(secret), Some(given)) = (secret, signature_header) else {
        tracing::warn!(
            provider = provider.key(),
            "tracking webhook without secret or signature"
        );
        return Err(unauthorized());
    };
    let expected = signature(provider, &secret, body);
    let given = given.trim();
    let ok = match provider {
        Provider::SeventeenTrack => same(expected.as_bytes(), given.to_lowercase().as_bytes()),
        Provider::AfterShip => same(expected.as_bytes(), given.as_bytes()),
    };
    if !ok {
        tracing::warn!(
            provider = provider.key(),
            "tracking webhook with a bad signature"
        );
        return Err(unauthorized());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| bad("内容不是 JSON。", "The body is not JSON."))?;
    let update = match provider {
        Provider::SeventeenTrack => parse_17track(&v)?,
        Provider::AfterShip => parse_aftership(&v)?,
    };
    let Some(update) = update else {
        return Ok(Received { new_events: 0 });
    };
    let digest = {
        let mut h = Sha256::new();
        h.update(provider.key());
        h.update(body);
        hex::encode(h.finalize())
    };
    k.store.write(move |tx| {
        let now = tx.now();
        if let Some(at) = update.sent_at
            && (now - at).num_hours().abs() > WINDOW_HOURS
        {
            return Err(replayed());
        }
        let mut keys = vec![format!("body:{digest}")];
        if let Some(id) = &update.event_id {
            keys.push(format!("event:{}:{id}", provider.key()));
        }
        for key in &keys {
            if tx.kv_get(REPLAYS, key.as_bytes())?.is_some() {
                return Err(replayed());
            }
        }
        let Some(id) = find(tx, &update.number)? else {
            tracing::warn!(provider = provider.key(), number = %update.number, "tracking webhook for an unknown number");
            return Err(AppError::not_found().with_msg(Msg::new(
                "没有出运单使用这个跟踪号。",
                "No shipment has this tracking number.",
            )));
        };
        for key in &keys {
            tx.kv_put(REPLAYS, key.as_bytes(), now.to_rfc3339().as_bytes())?;
        }
        let n = apply(tx, &Actor::system(), id, &update, provider.key())?;
        Ok(Received { new_events: n })
    })
}

/// The live shipment a tracking number names (B/L, container, booking or tracking number).
pub fn find(tx: &Tx, number: &str) -> AppResult<Option<u64>> {
    let key: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    if key.is_empty() {
        return Ok(None);
    }
    for id in tx.ids_by_index::<Shipment>("reference", &IndexKey::new().str(&key), false)? {
        if let Ok(s) = tx.get_live::<Shipment>(id)
            && s.data.status != ShipmentStatus::Cancelled
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

fn event_key(at: DateTime<Utc>, desc: &str, loc: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(at.to_rfc3339().as_bytes());
    h.update(b"\x1f");
    h.update(desc.trim().as_bytes());
    h.update(b"\x1f");
    h.update(loc.unwrap_or("").trim().as_bytes());
    hex::encode(&h.finalize()[..12])
}

/// Stores an update's new events on the shipment, moves its ETA and status on (a shipment that
/// has not shipped keeps its status). Answers how many events were new.
pub fn apply(
    tx: &mut Tx,
    actor: &Actor,
    id: u64,
    u: &TrackUpdate,
    source: &str,
) -> AppResult<usize> {
    let current = tx.get_live::<Shipment>(id)?;
    let mut events = current.data.events.clone();
    let mut new = 0;
    for (at, desc, loc) in &u.events {
        let key = event_key(*at, desc, loc.as_deref());
        if events.iter().any(|e| e.key == key) {
            continue;
        }
        events.push(TrackEvent {
            at: *at,
            description: desc.chars().take(500).collect(),
            location: loc.as_ref().map(|l| l.chars().take(200).collect()),
            source: source.to_string(),
            key,
        });
        new += 1;
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let eta = u.eta.filter(|e| current.data.eta != Some(*e));
    if new > 0 || eta.is_some() {
        let r = tx.update::<Shipment, AppError>(actor, id, None, |s| {
            s.events = events;
            if let Some(e) = eta {
                s.eta = Some(e);
            }
            Ok(())
        })?;
        if eta.is_some() {
            shipments::tell_order(tx, actor, &r.data, &[])?;
        }
    }
    if let Some(st) = u.status
        && current.data.status.gone()
    {
        let on = u
            .events
            .iter()
            .map(|e| e.0)
            .max()
            .unwrap_or(tx.now())
            .date_naive();
        shipments::advance(tx, actor, id, None, st, on)?;
    }
    Ok(new)
}

// ---- polling ---------------------------------------------------------------------------------

/// A provider asked for a tracking number's events (where webhooks cannot reach the server).
pub trait TrackingProvider: Send + Sync {
    fn name(&self) -> &str;
    /// What the provider knows of `number` (`None`: nothing).
    fn fetch<'a>(
        &'a self,
        number: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Option<TrackUpdate>, String>> + Send + 'a>,
    >;
}

/// Asks `provider` about every shipment on its way (shipped, not delivered) that has a
/// tracking number, and applies what it says. Answers how many events were new.
pub async fn poll(k: &Kontor, provider: &dyn TrackingProvider) -> AppResult<usize> {
    let open: Vec<(u64, String)> = k.store.read(|tx| {
        let mut out = Vec::new();
        tx.for_each::<Shipment>(false, &mut |r| {
            if r.data.status.gone()
                && r.data.status != ShipmentStatus::Delivered
                && let Some(n) = &r.data.tracking_no
            {
                out.push((r.id, n.clone()));
            }
            Ok(true)
        })?;
        Ok::<_, AppError>(out)
    })?;
    let mut total = 0;
    for (id, number) in open {
        let update = match provider.fetch(&number).await {
            Ok(Some(u)) => u,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(provider = provider.name(), %number, "tracking poll failed: {e}");
                continue;
            }
        };
        let source = format!("poll:{}", provider.name());
        total += k
            .store
            .write(move |tx| apply(tx, &Actor::system(), id, &update, &source))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_each_provider() {
        let body = br#"{"a":1}"#;
        // sha256("{\"a\":1}/s3cret"), hex
        let mut h = Sha256::new();
        h.update(b"{\"a\":1}/s3cret");
        assert_eq!(
            signature(Provider::SeventeenTrack, "s3cret", body),
            hex::encode(h.finalize())
        );
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        let mac = signature(Provider::AfterShip, "Jefe", b"what do ya want for nothing?");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(mac)
            .unwrap();
        assert_eq!(
            hex::encode(raw),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}
