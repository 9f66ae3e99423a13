//! Tracking: provider webhooks (signature, replay, unknown number) → events on the shipment,
//! its ETA and status → the order's dates; the secrets never answered back; polling through
//! the provider trait against a fake provider on 127.0.0.1.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{act, shipment, stocked};
use crate::goods::{Goods, id, ok};
use kontor::domain::logistics::tracking::{self, Provider, TrackUpdate, TrackingProvider};

async fn hook(
    g: &Goods,
    provider: &str,
    header: Option<(&str, String)>,
    body: &Value,
) -> (StatusCode, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut req = g
        .admin
        .http
        .post(format!("{}/api/v1/hooks/tracking/{provider}", g.admin.base))
        .header("content-type", "application/json")
        .body(bytes);
    if let Some((h, v)) = header {
        req = req.header(h, v);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn signed(p: Provider, secret: &str, body: &Value) -> Option<(&'static str, String)> {
    Some((
        tracking::header(p),
        tracking::signature(p, secret, &serde_json::to_vec(body).unwrap()),
    ))
}

fn seventeen(number: &str, status: &str, events: &[(&str, &str)], eta: &str) -> Value {
    let events: Vec<Value> = events.iter().map(|(t, d)| json!({"time_iso": t, "time_utc": t, "description": d, "location": "Hamburg, DE", "stage": status})).collect();
    json!({"event": "TRACKING_UPDATED", "data": {"number": number, "carrier": 100, "track_info": {
        "latest_status": {"status": status, "sub_status": format!("{status}_Other")},
        "time_metrics": {"estimated_delivery_date": {"source": "Official", "from": eta, "to": eta}},
        "tracking": {"providers": [{"provider": {"key": 100, "name": "COSCO"}, "events": events}]}}}})
}

/// A webhook case: what, the payload, the signature header (name, value), the answer, the
/// events then on the shipment, its status and its ETA.
type WebhookCase<'a> = (
    &'a str,
    Value,
    Option<(&'a str, String)>,
    StatusCode,
    usize,
    &'a str,
    &'a str,
);

/// (what arrives, the answer, then the shipment's events, ETA, status): bad and missing
/// signatures refused, an unknown number 404, a replay refused without effect, each event
/// stored once, the ETA and status moved on and the order's dates with them.
#[tokio::test(flavor = "multi_thread")]
async fn webhooks_are_signed_deduplicated_and_move_the_shipment_and_its_order() {
    let g = stocked().await;
    let c = g.customer().await;
    let o = g.order(c, &[("CHAIR-2", "10")], None).await;
    let sh = shipment(
        &g,
        json!({"order_id": id(&o), "bl_no": "COSU6123456780", "eta": "2026-04-25",
        "containers": [{"number": "CBHU1234567", "type": "40HQ"}]}),
    )
    .await;
    act(&g, &sh, "ship", json!({"date": "2026-03-20"})).await;
    // Secrets: set by an admin, never answered back.
    let set = ok(
        &g.admin,
        Method::PUT,
        "/api/v1/tracking-settings",
        json!({"provider": "17track", "secret": "s17-secret"}),
    )
    .await;
    ok(
        &g.admin,
        Method::PUT,
        "/api/v1/tracking-settings",
        json!({"provider": "aftership", "secret": "as-secret"}),
    )
    .await;
    assert_eq!(
        set,
        json!([{"provider": "17track", "secret_set": true}, {"provider": "aftership", "secret_set": false}])
    );
    let shown = g.admin.get("/api/v1/tracking-settings").await.to_string();
    assert!(
        !shown.contains("s17-secret") && !shown.contains("as-secret"),
        "{shown}"
    );
    let audit = g
        .admin
        .get("/api/v1/audit?kind=tracking_settings")
        .await
        .to_string();
    assert!(
        !audit.contains("s17-secret"),
        "the audit masks the secret: {audit}"
    );

    let p17 = Provider::SeventeenTrack;
    let first = seventeen(
        "cosu6123456780",
        "InTransit",
        &[("2026-03-21T08:00:00Z", "Departed Ningbo")],
        "2026-04-28",
    );
    let view = || async { g.admin.get(&format!("/api/v1/shipments/{}", id(&sh))).await };
    let table: Vec<WebhookCase> = vec![
        (
            "no signature",
            first.clone(),
            None,
            StatusCode::UNAUTHORIZED,
            0,
            "2026-04-25",
            "shipped",
        ),
        (
            "wrong secret",
            first.clone(),
            signed(p17, "guess", &first),
            StatusCode::UNAUTHORIZED,
            0,
            "2026-04-25",
            "shipped",
        ),
        (
            "signed",
            first.clone(),
            signed(p17, "s17-secret", &first),
            StatusCode::OK,
            1,
            "2026-04-28",
            "in_transit",
        ),
        (
            "the same body again",
            first.clone(),
            signed(p17, "s17-secret", &first),
            StatusCode::CONFLICT,
            1,
            "2026-04-28",
            "in_transit",
        ),
    ];
    for (step, body, header, status, events, eta, state) in table {
        let (got, v) = hook(&g, "17track", header, &body).await;
        assert_eq!(got, status, "{step}: {v}");
        let s = view().await;
        assert_eq!(
            (
                s["events"].as_array().unwrap().len(),
                s["eta"].as_str(),
                s["status"].as_str()
            ),
            (events, Some(eta), Some(state)),
            "{step}: {s}"
        );
    }
    // The order's ETA follows.
    assert_eq!(
        g.admin.get(&format!("/api/v1/orders/{}", id(&o))).await["dates"]["eta"],
        "2026-04-28"
    );

    // An unknown number: 404, nothing written.
    let unknown = seventeen(
        "NOPE0000001",
        "InTransit",
        &[("2026-03-22T08:00:00Z", "x")],
        "2026-04-28",
    );
    let (got, _) = hook(&g, "17track", signed(p17, "s17-secret", &unknown), &unknown).await;
    assert_eq!(got, StatusCode::NOT_FOUND);
    let (got, _) = hook(&g, "dhl", signed(p17, "s17-secret", &unknown), &unknown).await;
    assert_eq!(got, StatusCode::NOT_FOUND);

    // AfterShip by container number: the event already known is kept once, the new one added;
    // a replayed event id or an old timestamp is refused; delivered tells the order.
    let now = chrono::Utc::now().timestamp();
    let aftership = |event_id: &str, ts: i64, tag: &str| {
        json!({"event_id": event_id, "event": "tracking_update", "ts": ts,
        "msg": {"tracking_number": "CBHU1234567", "tag": tag, "expected_delivery": "2026-04-30",
            "checkpoints": [
                {"checkpoint_time": "2026-03-21T08:00:00Z", "message": "Departed Ningbo", "location": "Hamburg, DE", "tag": "InTransit"},
                {"checkpoint_time": "2026-04-29T10:00:00Z", "message": "Delivered to consignee", "location": "Hamburg, DE", "tag": "Delivered"}]}})
    };
    let pa = Provider::AfterShip;
    let body = aftership("ev-1", now, "Delivered");
    let (got, v) = hook(&g, "aftership", signed(pa, "as-secret", &body), &body).await;
    assert_eq!(
        (got, v["new_events"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    let s = view().await;
    assert_eq!(
        (
            s["events"].as_array().unwrap().len(),
            s["status"].as_str(),
            s["delivered_on"].as_str(),
            s["eta"].as_str()
        ),
        (2, Some("delivered"), Some("2026-04-29"), Some("2026-04-30")),
        "{s}"
    );
    assert_eq!(s["events"][0]["description"], "Delivered to consignee");
    let order = g.admin.get(&format!("/api/v1/orders/{}", id(&o))).await;
    assert_eq!(order["dates"]["delivered"], "2026-04-29");
    let replay = aftership("ev-1", now + 1, "Delivered");
    let (got, _) = hook(&g, "aftership", signed(pa, "as-secret", &replay), &replay).await;
    assert_eq!(got, StatusCode::CONFLICT, "same event id");
    let old = aftership("ev-2", now - 4 * 24 * 3600, "Delivered");
    let (got, _) = hook(&g, "aftership", signed(pa, "as-secret", &old), &old).await;
    assert_eq!(got, StatusCode::CONFLICT, "outside the window");
    // A 17TRACK signature on an AfterShip hook is no signature.
    let (got, _) = hook(&g, "aftership", signed(p17, "as-secret", &body), &body).await;
    assert_eq!(got, StatusCode::UNAUTHORIZED);
}

/// A fake provider on 127.0.0.1 answering in AfterShip's shape; the poller asks it about
/// every shipment on its way and stores what it says.
#[tokio::test(flavor = "multi_thread")]
async fn polling_asks_the_provider_about_shipments_on_their_way() {
    let app = axum::Router::new().route(
        "/trackings/{number}",
        axum::routing::get(|axum::extract::Path(n): axum::extract::Path<String>| async move {
            axum::Json(json!({"msg": {"tracking_number": n, "tag": "InTransit", "expected_delivery": "2026-05-02",
                "checkpoints": [{"checkpoint_time": "2026-03-25T06:00:00Z", "message": "Transhipped at Singapore", "location": "Singapore"}]}}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    struct Fake(String);
    impl TrackingProvider for Fake {
        fn name(&self) -> &str {
            "fake"
        }
        fn fetch<'a>(
            &'a self,
            number: &'a str,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<Option<TrackUpdate>, String>> + Send + 'a>,
        > {
            Box::pin(async move {
                let v: Value = reqwest::get(format!("{}/trackings/{number}", self.0))
                    .await
                    .map_err(|e| e.to_string())?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                tracking::parse_aftership(&v).map_err(|e| format!("{e:?}"))
            })
        }
    }

    let g = stocked().await;
    let c = g.customer().await;
    let o = g
        .order(c, &[("CHAIR-2", "10"), ("LAMP-1", "50")], None)
        .await;
    let gone = shipment(
        &g,
        json!({"order_id": id(&o), "tracking_no": "TRK-1", "lines": [{"order_line": 0}]}),
    )
    .await;
    act(&g, &gone, "ship", json!({})).await;
    let planned = shipment(
        &g,
        json!({"order_id": id(&o), "tracking_no": "TRK-2", "lines": [{"order_line": 1}]}),
    )
    .await;
    let k = g.s.kontor();
    let n = tracking::poll(&k, &Fake(format!("http://{addr}")))
        .await
        .unwrap();
    assert_eq!(n, 1, "only the shipment on its way is asked");
    let s = g
        .admin
        .get(&format!("/api/v1/shipments/{}", id(&gone)))
        .await;
    assert_eq!(
        (
            s["events"][0]["description"].as_str(),
            s["events"][0]["source"].as_str(),
            s["eta"].as_str(),
            s["status"].as_str()
        ),
        (
            Some("Transhipped at Singapore"),
            Some("poll:fake"),
            Some("2026-05-02"),
            Some("in_transit")
        ),
        "{s}"
    );
    assert_eq!(
        g.admin
            .get(&format!("/api/v1/shipments/{}", id(&planned)))
            .await["events"],
        json!([])
    );
    // Asking again adds nothing.
    assert_eq!(
        tracking::poll(&k, &Fake(format!("http://{addr}")))
            .await
            .unwrap(),
        0
    );
}
