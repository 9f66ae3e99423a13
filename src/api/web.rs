//! The embedded web app and the headers every response carries.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

/// `web/dist`, built by `npm run build`, embedded at compile time (debug builds too), so the
/// binary serves the app from any directory.
#[derive(RustEmbed)]
#[folder = "web/dist"]
struct Assets;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                   font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
                   frame-ancestors 'none'";

/// Security headers on every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The precompressed copies `npm run build` writes beside each text asset (web/vite.config.ts),
/// best first: (content coding, file suffix).
const ENCODED: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

/// The quality the client gives `coding` in its Accept-Encoding (RFC 9110 §12.5.3): its own
/// entry, else `*`'s, else 0 (not accepted).
fn accepts(accept_encoding: &str, coding: &str) -> f32 {
    let mut wildcard = None;
    for entry in accept_encoding.split(',') {
        let mut parts = entry.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        if name.eq_ignore_ascii_case(coding) {
            return q;
        }
        if name == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0.0)
}

/// An embedded file, in the best precompressed form the client accepts (brotli, then gzip,
/// then as is). Nothing is compressed per request: a file without copies (under 1 KiB, or an
/// image) is sent as it is, and the API's compression layer leaves it alone (it only takes
/// JSON, see `api::compression`). Every answer for a file that has copies says
/// `Vary: Accept-Encoding`, so a cache never hands the brotli form to a client without it.
fn asset(path: &str, accept_encoding: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut has_copies = false;
    let mut chosen = None;
    for (coding, suffix) in ENCODED {
        let Some(copy) = Assets::get(&format!("{path}{suffix}")) else {
            continue;
        };
        has_copies = true;
        let q = accepts(accept_encoding, coding);
        if q > 0.0 && chosen.as_ref().is_none_or(|(_, best, _)| q > *best) {
            chosen = Some((coding, q, copy));
        }
    }
    let mut response = match chosen {
        Some((coding, _, copy)) => (
            [(header::CONTENT_ENCODING, coding)],
            Body::from(copy.data.into_owned()),
        )
            .into_response(),
        None => Body::from(file.data.into_owned()).into_response(),
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if has_copies {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Some(response)
}

/// Serves files of the web app; any other path that is not a file gets `index.html`, so the
/// app's own routes work on reload.
pub async fn serve_app(request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let accept_encoding = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if path == "api/docs" || path == "api/docs/" {
        return Redirect::to("/api-docs.html").into_response();
    }
    if path.starts_with("api/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Some(r) = asset(
        if path.is_empty() { "index.html" } else { path },
        accept_encoding,
    ) {
        return r;
    }
    let looks_like_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if looks_like_file {
        return StatusCode::NOT_FOUND.into_response();
    }
    asset("index.html", accept_encoding).unwrap_or_else(|| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The web app was not built into this binary. Build it with `make run` (see README.md).\n\
             网页界面未编译进此程序，请按 README.md 用 `make run` 构建。\n",
        )
            .into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accept_encoding_qualities() {
        assert_eq!(accepts("gzip, deflate, br, zstd", "br"), 1.0);
        assert_eq!(accepts("gzip;q=0.8, br;q=0.5", "gzip"), 0.8);
        assert_eq!(accepts("gzip;q=0.8, br;q=0.5", "br"), 0.5);
        assert_eq!(accepts("br;q=0", "br"), 0.0);
        assert_eq!(accepts("*", "br"), 1.0);
        assert_eq!(accepts("*;q=0.1, gzip", "br"), 0.1);
        assert_eq!(accepts("identity", "gzip"), 0.0);
        assert_eq!(accepts("", "gzip"), 0.0);
        assert_eq!(accepts("BR", "br"), 1.0);
        assert_eq!(accepts("br;q=nonsense", "br"), 0.0);
    }
}
