//! Files on records (PLT-3) over HTTP: upload, list and download by bytes; the parent record's
//! permissions; limits; versions; backup → restore and restart; `kontor check` on a damaged blob.

use std::sync::Arc;

use kontor::domain::{Kontor, files, operations};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

async fn customer(c: &Client, name: &str) -> u64 {
    let (status, v) = c
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_u64().unwrap()
}

async fn upload(c: &Client, path: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    c.upload(path, name, bytes).await
}

/// GET of raw bytes, with the answer's headers.
async fn download(c: &Client, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = c
        .http
        .get(format!("{}{path}", c.base))
        .send()
        .await
        .expect("download");
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// A small PNG (an image Kontor makes a thumbnail of).
pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn pdf() -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    b.extend((0..5000u32).map(|i| (i % 251) as u8 | 0x20));
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

#[tokio::test]
async fn upload_list_download_round_trip_with_versions_and_thumbnails() {
    let (s, admin) = TestServer::with_admin().await;
    let id = customer(&admin, "Acme Trading GmbH").await;
    let base = format!("/api/v1/customers/{id}/attachments");

    let offer = pdf();
    let (status, v) = upload(&admin, &base, "报价单 2026.pdf", &offer).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["content_type"], "application/pdf",
        "sniffed from the bytes"
    );
    assert_eq!(v["size"], offer.len() as u64);
    assert_eq!(v["version"], 1);
    assert_eq!(v["uploaded_by"]["name"], "周海燕");
    assert!(v["thumbnail_url"].is_null());
    let first = v["id"].as_u64().unwrap();

    let (status, headers, bytes) =
        download(&admin, &format!("/api/v1/attachments/{first}/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, offer, "the same bytes come back");
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%202026.pdf"),
        "{disposition}"
    );

    // The same name again (case aside) is version 2; version 1 stays listed and downloadable.
    let mut revised = offer.clone();
    revised.extend_from_slice(b"% revised\n");
    let (status, v) = upload(&admin, &base, "报价单 2026.PDF", &revised).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 2);
    let second = v["id"].as_u64().unwrap();
    let (_, _, bytes) = download(&admin, &format!("/api/v1/attachments/{second}/content")).await;
    assert_eq!(bytes, revised);
    let (_, _, bytes) = download(&admin, &format!("/api/v1/attachments/{first}/content")).await;
    assert_eq!(bytes, offer, "version 1 is still there");

    // An image gets a thumbnail that is a small JPEG.
    let picture = png(900, 600);
    let (status, v) = upload(&admin, &base, "sample.png", &picture).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["content_type"], "image/png");
    let thumb_url = v["thumbnail_url"]
        .as_str()
        .expect("a thumbnail")
        .to_string();
    let (status, headers, thumb) = download(&admin, &thumb_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    let t = image::load_from_memory(&thumb).unwrap();
    assert_eq!((t.width(), t.height()), (320, 213));

    let list = admin.get(&base).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let versions: Vec<(String, u64, bool)> = items
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["version"].as_u64().unwrap(),
                i["latest"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        versions.contains(&("报价单 2026.PDF".into(), 2, true)),
        "{versions:?}"
    );
    assert!(
        versions.contains(&("报价单 2026.pdf".into(), 1, false)),
        "{versions:?}"
    );

    // Delete: gone from the list and the download, into the recycle bin; restored, back again.
    let (status, v) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/attachments/{second}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(admin.get(&base).await.as_array().unwrap().len(), 2);
    let (status, _, _) = download(&admin, &format!("/api/v1/attachments/{second}/content")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A third upload of that name is version 3: a deleted version keeps its number.
    let (_, v) = upload(&admin, &base, "报价单 2026.pdf", b"%PDF-1.4\nthird\n%%EOF").await;
    assert_eq!(v["version"], 3, "{v}");
    assert_eq!(files::blobs::DEFAULT_LIMIT, 25 * 1024 * 1024);
    assert_eq!(s.kontor().files.limit(), files::blobs::DEFAULT_LIMIT);

    // A file of several MiB (past the JSON body limit of 1 MiB) streams through whole.
    let big: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| {
            if i % 80 == 79 {
                b'\n'
            } else {
                b'a' + (i % 26) as u8
            }
        })
        .collect();
    let (status, v) = upload(&admin, &base, "catalogue.txt", &big).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, _, bytes) = download(&admin, v["content_url"].as_str().unwrap()).await;
    assert!(bytes == big, "the 3 MiB file comes back byte for byte");

    // The timeline entry takes attachments, shown under it.
    let (status, entry) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/timeline"),
            Some(json!({"kind": "note", "subject": "Samples sent"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    let (status, v) = upload(
        &admin,
        &format!("/api/v1/activities/{}/attachments", entry["id"]),
        "packing list.csv",
        "item,qty\n杯子,200\n".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["content_type"], "text/csv; charset=utf-8");
    let timeline = admin.get(&format!("/api/v1/customers/{id}/timeline")).await;
    let shown = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == entry["id"])
        .unwrap();
    assert_eq!(shown["attachments"][0]["name"], "packing list.csv");
    drop(s);
}

#[tokio::test]
async fn a_rep_reaches_files_only_through_records_they_may_read_or_change() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, owner) = s.user(&admin, "wang.fang", "sales", &[]).await;
    let (other_id, other) = s.user(&admin, "li.na", "sales", &[]).await;
    let id = customer(&owner, "Bolt Imports Ltd").await;
    let base = format!("/api/v1/customers/{id}/attachments");
    let (status, v) = upload(&owner, &base, "contract.pdf", &pdf()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let file = v["id"].as_u64().unwrap();
    let (status, _) = owner.send(Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::OK);

    // The other rep cannot read the customer: every way to its files is 404, as the record is.
    let (status, _) = other
        .send(Method::GET, &format!("/api/v1/customers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = other.send(Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, _, bytes) = download(&other, &format!("/api/v1/attachments/{file}/content")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!bytes.starts_with(b"%PDF"));
    let (status, v) = upload(&other, &base, "intruder.pdf", &pdf()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, _) = other
        .send(Method::DELETE, &format!("/api/v1/attachments/{file}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        owner.get(&base).await.as_array().unwrap().len(),
        1,
        "nothing added or removed"
    );

    // Unknown parent kinds and records are not found either.
    let (status, _) = owner
        .send(Method::GET, "/api/v1/widgets/1/attachments", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = owner
        .send(Method::GET, "/api/v1/customers/999999/attachments", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // When the customer passes to the other rep, so do its files.
    let (status, v) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/transfer"),
            Some(json!({ "to_user": other_id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _, bytes) = download(&other, &format!("/api/v1/attachments/{file}/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf());
    let (status, _) = owner.send(Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    drop(s);
}

#[tokio::test]
async fn oversize_is_413_and_a_refused_type_is_422_in_the_callers_language() {
    let (s, admin) = TestServer::with_admin().await;
    let id = customer(&admin, "Cargo Partners SA").await;
    let base = format!("/api/v1/customers/{id}/attachments");
    s.kontor().files.set_limit(64 * 1024);

    let (status, v) = upload(&admin, &base, "big.pdf", &vec![b'%'; 64 * 1024 + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(code(&v), "payload_too_large");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("64 KiB"),
        "{v}"
    );
    // Far past the limit: refused from its Content-Length, before the body is read.
    let (status, v) = upload(&admin, &base, "huge.pdf", &vec![b'%'; 1024 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    let (status, v) = upload(
        &admin.clone().zh(),
        &base,
        "big.pdf",
        &vec![b'%'; 70 * 1024],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("最大 64 KiB"),
        "{v}"
    );
    // Exactly at the limit passes.
    let mut exact = b"%PDF-1.4\n".to_vec();
    exact.resize(64 * 1024, b' ');
    let (status, v) = upload(&admin, &base, "exact.pdf", &exact).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    // An executable named like a PDF: refused, saying what it is and what is allowed.
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(128, 0);
    let (status, v) = upload(&admin, &base, "offer.pdf", &elf).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "file");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("elf") && message.contains("Allowed: PDF"),
        "{message}"
    );
    let (status, v) = upload(&admin.clone().zh(), &base, "offer.pdf", &elf).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不接受此类文件"),
        "{v}"
    );
    // An empty file, a missing part, a JSON body: 4xx, never 5xx.
    let (status, _) = upload(&admin, &base, "empty.txt", b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, v) = admin
        .send(Method::POST, &base, Some(json!({"file": "x"})))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");

    // Nothing of the refused uploads stayed behind.
    assert_eq!(admin.get(&base).await.as_array().unwrap().len(), 1);
    let staging = s.data_dir().join("tmp");
    let left = std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "staging files left in {}", staging.display());
    let blobs = s.kontor().files.all().unwrap();
    assert_eq!(
        blobs.len(),
        1,
        "only the accepted file is stored: {blobs:?}"
    );
    drop(s);
}

async fn check(k: &Arc<Kontor>) -> Result<String, String> {
    let k = k.clone();
    tokio::task::spawn_blocking(move || operations::check(&k))
        .await
        .unwrap()
}

#[tokio::test]
async fn files_survive_backup_restore_and_restart_and_check_finds_a_damaged_blob() {
    let (mut s, admin) = TestServer::with_admin().await;
    let id = customer(&admin, "Delta Exports").await;
    let base = format!("/api/v1/customers/{id}/attachments");
    let picture = png(64, 48);
    let (_, v) = upload(&admin, &base, "样品照片.png", &picture).await;
    let photo = v["id"].as_u64().unwrap();
    let (_, v) = upload(&admin, &base, "spec.pdf", &pdf()).await;
    let spec = v["id"].as_u64().unwrap();
    let summary = check(&s.kontor()).await.expect("a clean check");
    assert!(
        summary.contains("file blobs: 3"),
        "two files and a thumbnail: {summary}"
    );

    // Backup → restore into a new directory → the same bytes from a server on it.
    let scratch = tempfile::tempdir().unwrap();
    let archive = scratch.path().join("backup.tar");
    let restored = scratch.path().join("restored");
    let k = s.kontor();
    let to = archive.clone();
    let line = tokio::task::spawn_blocking(move || operations::backup(&k, &to, &|_| {}))
        .await
        .unwrap()
        .unwrap();
    assert!(line.contains(" 3 files"), "{line}");
    kontor::store::restore_backup(&archive, &restored).unwrap();
    let dir = restored.clone();
    let k = Arc::new(
        tokio::task::spawn_blocking(move || Kontor::open(&dir))
            .await
            .unwrap()
            .unwrap(),
    );
    let server = kontor::server::Server::start(k.clone(), "127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let other = Client::new(server.addr);
    other.login("admin", crate::common::ADMIN_PASSWORD).await;
    let (status, _, bytes) =
        download(&other, &format!("/api/v1/attachments/{photo}/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, picture, "the restored file has the same bytes");
    let (status, _, bytes) = download(&other, &format!("/api/v1/attachments/{spec}/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf());
    check(&k)
        .await
        .expect("the restored directory checks clean");
    server.stop().await;
    k.shutdown();

    // A restart keeps them too.
    s.restart().await;
    let admin = s.client();
    admin.login("admin", crate::common::ADMIN_PASSWORD).await;
    let (status, _, bytes) =
        download(&admin, &format!("/api/v1/attachments/{photo}/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, picture);

    // One flipped byte in a blob, one blob gone, one stray file: check names each.
    let k = s.kontor();
    let pdf_hash = files::blobs::sha256_hex(&pdf());
    let png_hash = files::blobs::sha256_hex(&picture);
    let damaged = k.files.path_of(&pdf_hash).unwrap();
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();
    std::fs::remove_file(k.files.path_of(&png_hash).unwrap()).unwrap();
    std::fs::write(k.files.root().join("stray.bin"), b"x").unwrap();
    let report = check(&k).await.expect_err("problems found");
    assert!(
        report.contains(&format!("file blob {pdf_hash} is damaged")),
        "{report}"
    );
    assert!(
        report.contains(&format!("file blob {png_hash} is missing")),
        "{report}"
    );
    assert!(
        report.contains("stray.bin is named by no attachment"),
        "{report}"
    );
    // A missing blob is an error answer for its download, not a crash.
    let (status, _, _) = download(&admin, &format!("/api/v1/attachments/{photo}/content")).await;
    assert!(
        status.is_server_error() || status == StatusCode::NOT_FOUND,
        "{status}"
    );
    drop(s);
}

#[tokio::test]
async fn a_purged_attachment_frees_its_blob_unless_another_names_it() {
    let (s, admin) = TestServer::with_admin().await;
    let a = customer(&admin, "Echo Ltd").await;
    let b = customer(&admin, "Foxtrot Ltd").await;
    let bytes = pdf();
    let (_, v1) = upload(
        &admin,
        &format!("/api/v1/customers/{a}/attachments"),
        "x.pdf",
        &bytes,
    )
    .await;
    let (_, v2) = upload(
        &admin,
        &format!("/api/v1/customers/{b}/attachments"),
        "y.pdf",
        &bytes,
    )
    .await;
    let path = s
        .kontor()
        .files
        .path_of(&files::blobs::sha256_hex(&bytes))
        .unwrap();
    for v in [&v1, &v2] {
        let (status, _) = admin
            .send(
                Method::DELETE,
                &format!("/api/v1/attachments/{}", v["id"]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert!(
        path.is_file(),
        "deleted attachments keep their blob (restorable)"
    );
    let (status, body) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/recycle-bin/attachment/{}", v1["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(path.is_file(), "the other record still names it");
    let (status, _) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/recycle-bin/attachment/{}", v2["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!path.exists(), "no record names it any more");

    // Purging a customer purges its files (and frees their blobs) with it.
    let photo = png(40, 30);
    let (_, v) = upload(
        &admin,
        &format!("/api/v1/customers/{a}/attachments"),
        "p.png",
        &photo,
    )
    .await;
    let id = v["id"].as_u64().unwrap();
    let path = s
        .kontor()
        .files
        .path_of(&files::blobs::sha256_hex(&photo))
        .unwrap();
    assert!(path.is_file());
    let (status, _) = admin
        .send(Method::DELETE, &format!("/api/v1/customers/{a}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = download(&admin, &format!("/api/v1/attachments/{id}/content")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a deleted customer's files are out of reach"
    );
    let (status, body) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/recycle-bin/customer/{a}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(!path.exists(), "the purged customer's picture is gone");
    assert_eq!(
        s.kontor().files.all().unwrap().len(),
        0,
        "and its thumbnail"
    );
    check(&s.kontor()).await.expect("nothing dangling");
    drop(s);
}
