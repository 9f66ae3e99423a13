//! Files on records (PLT-3): upload (multipart), list, download, thumbnail, delete. Each is
//! checked against the record the file hangs on, in the domain. A kind that takes files gets a
//! list and an upload route here, each a line calling `list_on::<Kind>` / `upload_to::<Kind>`.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{Auth, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::Kontor;
use crate::domain::crm::model::{Activity, Customer};
use crate::domain::files::{self, AttachTo, AttachmentView, Download, Parent, Staged};
use crate::domain::projects::model::ProjectTask;
use crate::domain::sales::products::Product;
use crate::error::{AppError, ErrorCode, Msg};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customer_files, upload_customer_file))
        .routes(routes!(list_activity_files, upload_activity_file))
        .routes(routes!(list_product_files, upload_product_file))
        .routes(routes!(list_task_files, upload_task_file))
        .routes(routes!(content))
        .routes(routes!(thumbnail))
        .routes(routes!(delete_attachment))
        // The upload checks its own limit (`Blobs::limit`) while it streams to disk.
        .layer(DefaultBodyLimit::disable())
}

/// The multipart form of an upload: one part named `file`, with its file name.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The files on a customer, newest version of each name first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    responses((status = 200, body = Vec<AttachmentView>)))]
async fn list_customer_files(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    list_on::<Customer>(s, auth, id).await
}

/// Attaches a file to a customer (multipart part `file`). The type is sniffed from the bytes; a
/// file with the name of one already there becomes its next version. 413 past the size limit,
/// 422 for a type that is not accepted.
#[utoipa::path(post, path = "/api/v1/customers/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 413, description = "The file is larger than the limit", body = super::ErrorBody),
        (status = 415, description = "Not a multipart/form-data body", body = super::ErrorBody)))]
async fn upload_customer_file(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    upload_to::<Customer>(s, auth, id, headers, form).await
}

/// The files on a timeline entry.
#[utoipa::path(get, path = "/api/v1/activities/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    responses((status = 200, body = Vec<AttachmentView>)))]
async fn list_activity_files(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    list_on::<Activity>(s, auth, id).await
}

/// Attaches a file to a timeline entry (as to a customer).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 413, description = "The file is larger than the limit", body = super::ErrorBody),
        (status = 415, description = "Not a multipart/form-data body", body = super::ErrorBody)))]
async fn upload_activity_file(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    upload_to::<Activity>(s, auth, id, headers, form).await
}

/// The files on a project task (read with the task).
#[utoipa::path(get, path = "/api/v1/project-tasks/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    responses((status = 200, body = Vec<AttachmentView>)))]
async fn list_task_files(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    list_on::<ProjectTask>(s, auth, id).await
}

/// Attaches a file to a project task (changing the task: not observers); the same name again
/// is its next version.
#[utoipa::path(post, path = "/api/v1/project-tasks/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 413, description = "The file is larger than the limit", body = super::ErrorBody),
        (status = 415, description = "Not a multipart/form-data body", body = super::ErrorBody)))]
async fn upload_task_file(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    upload_to::<ProjectTask>(s, auth, id, headers, form).await
}

/// The images and files on a product (products read right).
#[utoipa::path(get, path = "/api/v1/products/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    responses((status = 200, body = Vec<AttachmentView>)))]
async fn list_product_files(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    list_on::<Product>(s, auth, id).await
}

/// Attaches an image or file to a product (products update right; as to a customer).
#[utoipa::path(post, path = "/api/v1/products/{id}/attachments", tag = "files", params(("id" = u64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 413, description = "The file is larger than the limit", body = super::ErrorBody),
        (status = 415, description = "Not a multipart/form-data body", body = super::ErrorBody)))]
async fn upload_product_file(
    s: State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    upload_to::<Product>(s, auth, id, headers, form).await
}

async fn list_on<P: AttachTo>(
    State(s): State<AppState>,
    auth: Auth,
    id: u64,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    let k = s.kontor.clone();
    let parent = Parent::of::<P>(id);
    Ok(Json(
        blocking(move || files::list(&k, &auth.principal, parent)).await?,
    ))
}

async fn upload_to<P: AttachTo>(
    State(s): State<AppState>,
    auth: Auth,
    id: u64,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let k = s.kontor.clone();
    let parent = Parent::of::<P>(id);
    let principal = auth.principal.clone();
    let check = k.clone();
    blocking(move || files::may_upload(&check, &principal, parent)).await?;
    let limit = k.files.limit();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // The form's own lines add a little to the file; far more cannot fit.
    if declared.is_some_and(|n| n > limit.saturating_add(64 * 1024)) {
        return Err(files::too_large(limit).into());
    }
    let multipart = multipart.map_err(|_| {
        AppError::new(ErrorCode::UnsupportedMediaType).with_msg(Msg::new(
            "请以 multipart/form-data 上传文件（字段名 file）。",
            "Upload the file as multipart/form-data (part name file).",
        ))
    })?;
    let (name, staged) = receive(&k, multipart, limit).await?;
    let view = blocking(move || files::attach(&k, &auth.principal, parent, &name, staged)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

fn unreadable(detail: impl std::fmt::Display) -> ApiError {
    tracing::info!("upload not read: {detail}");
    AppError::invalid(
        "file",
        Msg::new(
            "上传的文件没有完整收到，请重试。",
            "The upload did not arrive whole; please try again.",
        ),
    )
    .into()
}

/// Streams the part `file` into a staging file off the runtime, stopping past `limit`.
async fn receive(
    k: &Kontor,
    mut form: Multipart,
    limit: u64,
) -> Result<(String, Staged), ApiError> {
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let (send, mut chunks) = tokio::sync::mpsc::channel::<Bytes>(8);
        let blobs = k.files.stage();
        let writer = tokio::task::spawn_blocking(move || {
            let mut staged = blobs?;
            while let Some(chunk) = chunks.blocking_recv() {
                staged.write(&chunk)?;
            }
            Ok::<_, std::io::Error>(staged)
        });
        let mut size = 0u64;
        let mut over = false;
        let mut failed = None;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    if size > limit {
                        over = true;
                        break;
                    }
                    if send.send(chunk).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(send);
        let staged = writer
            .await
            .map_err(|e| ApiError(AppError::internal(format!("upload writer: {e}"))))?
            .map_err(|e| ApiError(crate::store::StoreError::from_io(&e).into()))?;
        if over {
            return Err(files::too_large(limit).into());
        }
        if let Some(e) = failed {
            return Err(unreadable(e));
        }
        return Ok((name, staged));
    }
    Err(AppError::invalid(
        "file",
        Msg::new("请选择要上传的文件。", "Choose a file to upload."),
    )
    .into())
}

/// The file's bytes, as an attachment under its original name.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/content", tag = "files", params(("id" = u64, Path)),
    responses((status = 200, description = "The bytes, with Content-Disposition naming the file and the type sniffed at upload", content_type = "*/*")))]
async fn content(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    let file = blocking(move || files::open(&k, &auth.principal, id, false)).await?;
    send(file, "attachment", "private, no-cache").await
}

/// A JPEG thumbnail of an image attachment (404 for other files).
#[utoipa::path(get, path = "/api/v1/attachments/{id}/thumbnail", tag = "files", params(("id" = u64, Path)),
    responses((status = 200, description = "A JPEG of at most 320 × 320 pixels", content_type = "image/jpeg")))]
async fn thumbnail(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    let file = blocking(move || files::open(&k, &auth.principal, id, true)).await?;
    send(file, "inline", "private, max-age=3600").await
}

/// Moves an attachment to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "files", params(("id" = u64, Path), VersionQuery),
    responses((status = 204)))]
async fn delete_attachment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || files::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn send(file: Download, disposition: &str, cache: &'static str) -> ApiResult<Response> {
    let handle = tokio::fs::File::open(&file.path)
        .await
        .map_err(|e| ApiError(AppError::internal(format!("{}: {e}", file.path.display()))))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(handle));
    let mut response = Response::new(body);
    let h = response.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""));
    h.insert(header::CONTENT_TYPE, value(&file.content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    h.insert(
        header::CONTENT_DISPOSITION,
        value(&content_disposition(disposition, &file.name)),
    );
    h.insert(header::ETAG, value(&format!("\"{}\"", file.sha256)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

/// `attachment; filename="offer_.pdf"; filename*=UTF-8''offer%E6%8A%A5%E4%BB%B7.pdf` (RFC 6266
/// and RFC 8187): an ASCII fallback for old clients, the exact name for the rest.
pub fn content_disposition(disposition: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_disposition_carries_chinese_names() {
        assert_eq!(
            super::content_disposition("attachment", "报价 v2.pdf"),
            "attachment; filename=\"__ v2.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%20v2.pdf"
        );
        assert_eq!(
            super::content_disposition("inline", "a\"b.png"),
            "inline; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png"
        );
    }
}
