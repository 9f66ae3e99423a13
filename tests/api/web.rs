//! The web app's files and the API's JSON over the wire: brotli and gzip by Accept-Encoding
//! (the app's files as compressed at build time, JSON per answer), identity for clients that
//! ask for nothing, the right Content-Encoding, Vary and cache headers, never compressed twice.
//! Needs the built web app (`make web`, which `make test` runs first).

use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, VARY,
};

use crate::common::{Client, TestServer};

/// GET with this Accept-Encoding (none when empty): status, headers, the bytes as sent.
async fn fetch(c: &Client, path: &str, accept: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = c.http.get(format!("{}{path}", c.base));
    if !accept.is_empty() {
        req = req.header(ACCEPT_ENCODING, accept);
    }
    let resp = req.send().await.expect("request");
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.bytes().await.expect("body").to_vec())
}

fn header(h: &HeaderMap, name: reqwest::header::HeaderName) -> Vec<&str> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect()
}

/// The body decoded by its Content-Encoding (exactly one, or none).
fn decoded(h: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let encodings = header(h, CONTENT_ENCODING);
    assert!(encodings.len() <= 1, "{encodings:?}");
    let mut out = Vec::new();
    match encodings.first().copied() {
        None => out = body.to_vec(),
        Some("br") => {
            brotli_decompressor::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .expect("brotli");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("gzip");
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn app_files_are_sent_precompressed_by_accept_encoding() {
    let (s, _admin) = TestServer::with_admin().await;
    let c = s.client();
    let (status, _, index) = fetch(&c, "/", "").await;
    assert_eq!(status, StatusCode::OK);
    let index = String::from_utf8(index).unwrap();
    let main_js = index
        .split('"')
        .find(|part| part.starts_with("/assets/main-") && part.ends_with(".js"))
        .unwrap_or_else(|| {
            panic!("no main script in index.html (build the web app: make web)\n{index}")
        })
        .to_string();

    let (status, plain_headers, plain) = fetch(&c, &main_js, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(plain.len() > 20_000, "{} bytes", plain.len());
    assert!(header(&plain_headers, CONTENT_ENCODING).is_empty());
    assert_eq!(header(&plain_headers, VARY), vec!["accept-encoding"]);
    assert!(header(&plain_headers, CONTENT_TYPE)[0].contains("javascript"));

    for (accept, want, smaller_than) in [
        ("br", Some("br"), plain.len() / 2),
        ("gzip, deflate, br, zstd", Some("br"), plain.len() / 2),
        ("gzip", Some("gzip"), plain.len() / 2),
        ("br;q=0, gzip", Some("gzip"), plain.len() / 2),
        ("gzip;q=0.5, br;q=0.4", Some("gzip"), plain.len() / 2),
        ("*", Some("br"), plain.len() / 2),
        ("identity", None, plain.len() + 1),
        ("deflate", None, plain.len() + 1),
        ("zstd", None, plain.len() + 1),
    ] {
        let (status, h, body) = fetch(&c, &main_js, accept).await;
        assert_eq!(status, StatusCode::OK, "{accept}");
        let encoding: Vec<&str> = header(&h, CONTENT_ENCODING);
        assert_eq!(encoding.first().copied(), want, "{accept}");
        assert!(body.len() < smaller_than, "{accept}: {} bytes", body.len());
        assert_eq!(decoded(&h, &body), plain, "{accept}: not the same file");
        assert_eq!(header(&h, VARY), vec!["accept-encoding"], "{accept}");
        assert_eq!(
            header(&h, CACHE_CONTROL),
            vec!["public, max-age=31536000, immutable"],
            "{accept}"
        );
        assert_eq!(
            header(&h, CONTENT_TYPE),
            header(&plain_headers, CONTENT_TYPE)
        );
        assert_eq!(
            header(&h, CONTENT_LENGTH),
            vec![body.len().to_string().as_str()],
            "{accept}: sent as a whole file, not streamed through a compressor"
        );
        eprintln!("{main_js} {accept}: {} bytes", body.len());
    }

    // The app's page itself (the app's routes too): never cached, right type.
    let (status, h, body) = fetch(&c, "/crm/customers", "br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, CACHE_CONTROL), vec!["no-cache"]);
    assert!(
        String::from_utf8(decoded(&h, &body))
            .unwrap()
            .contains(&main_js)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_answers_are_compressed_above_a_size() {
    let (_s, admin) = TestServer::with_admin().await;
    for path in ["/api/openapi.json", "/api/v1/me"] {
        let (status, _, plain) = fetch(&admin, path, "").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let plain: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        for (accept, want) in [("br", "br"), ("gzip", "gzip"), ("gzip;q=0.2, br", "br")] {
            let (status, h, body) = fetch(&admin, path, accept).await;
            assert_eq!(status, StatusCode::OK, "{path} {accept}");
            assert_eq!(header(&h, CONTENT_ENCODING), vec![want], "{path} {accept}");
            assert_eq!(header(&h, VARY), vec!["accept-encoding"], "{path} {accept}");
            let json: serde_json::Value = serde_json::from_slice(&decoded(&h, &body)).unwrap();
            assert_eq!(json, plain, "{path} {accept}");
            eprintln!("{path} {accept}: {} bytes", body.len());
        }
    }
    // Small answers are sent as they are (compressing them saves nothing).
    let (status, h, body) = fetch(&admin, "/api/v1/health", "br, gzip").await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&h, CONTENT_ENCODING).is_empty(), "{h:?}");
    assert!(body.len() < 1024);
    let _: serde_json::Value = serde_json::from_slice(&body).unwrap();
    // Errors are JSON too, and stay readable.
    let (status, h, body) = fetch(&admin, "/api/v1/customers/999999", "br").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let err: serde_json::Value = serde_json::from_slice(&decoded(&h, &body)).unwrap();
    assert_eq!(err["error"]["code"], "not_found");
}
