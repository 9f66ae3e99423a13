//! Bulk import and export (CRM-8): upload a file, preview it with a suggested mapping, dry-run,
//! commit in the background, follow the progress, read the report, revert; saved mappings; the
//! customer export (and the answer every export is sent as).

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tokio_stream::StreamExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Auth, Body as JsonBody, Params, PathParam, blocking};
use crate::domain::Paging;
use crate::domain::crm::customers::CustomerQuery;
use crate::domain::export::{self, ExportParams};
use crate::domain::import::reader::TextEncoding;
use crate::domain::import::{
    self, DryRun, ImportOptions, ImportView, MappingInput, Preview, RowIssue, SavedMapping,
};
use crate::domain::kit::List;
use crate::error::{AppError, ErrorCode, Msg};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_imports, upload))
        .routes(routes!(get_import))
        .routes(routes!(preview))
        .routes(routes!(dry_run))
        .routes(routes!(commit))
        .routes(routes!(revert))
        .routes(routes!(issues))
        .routes(routes!(list_mappings, save_mapping))
        .routes(routes!(delete_mapping))
        .routes(routes!(export_customers))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    /// What the file holds: `customers` (default) or `products`.
    kind: Option<String>,
    /// The file's name as the user chose it (for messages and the import list).
    filename: Option<String>,
    /// Overrides the detected text encoding: `utf-8`, `gb18030`, `utf-16le`, `utf-16be`.
    encoding: Option<TextEncoding>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    page: Option<u64>,
    per_page: Option<u64>,
}

/// How far past the limit an upload is still read (and thrown away), so that the client gets
/// the 413 answer instead of a broken connection.
const DRAIN: u64 = 32 * 1024 * 1024;

fn too_large() -> ApiError {
    let mb = import::MAX_UPLOAD / (1024 * 1024);
    ApiError(
        AppError::new(ErrorCode::PayloadTooLarge)
            .on_field("file")
            .with_msg(Msg::new(
                format!("文件超过 {mb} MB，请拆分后分批导入。"),
                format!("The file is larger than {mb} MB; split it and import the parts."),
            )),
    )
}

fn io_error(e: std::io::Error) -> ApiError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        ApiError(AppError::new(ErrorCode::StorageFull))
    } else {
        ApiError(AppError::internal(e))
    }
}

/// Receives the body into `path`, at most `MAX_UPLOAD` bytes.
pub(super) async fn receive(
    path: &std::path::Path,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<()> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > import::MAX_UPLOAD + DRAIN) {
        return Err(too_large());
    }
    let mut file = tokio::fs::File::create(path).await.map_err(io_error)?;
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError(AppError::invalid(
                "file",
                Msg::new(
                    "文件没有传完（连接中断）。",
                    "The upload did not finish (the connection broke).",
                ),
            ))
        })?;
        size += chunk.len() as u64;
        if size > import::MAX_UPLOAD + DRAIN {
            break;
        }
        if size <= import::MAX_UPLOAD {
            file.write_all(&chunk).await.map_err(io_error)?;
        }
    }
    if size > import::MAX_UPLOAD {
        return Err(too_large());
    }
    file.flush().await.map_err(io_error)?;
    Ok(())
}

/// Uploads a file to import: the raw file is the body (CSV/TSV in UTF-8, GBK/GB18030 or
/// UTF-16; XLSX), at most 100 MB. The whole file is checked now; a file that cannot be read is
/// refused with its row and column (422, `field` = `file`). Answers the import with its headers
/// and row count; next, GET its preview.
#[utoipa::path(post, path = "/api/v1/imports", tag = "import", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file, as it is"),
    responses((status = 201, body = ImportView), (status = 413, description = "The file is larger than 100 MB", body = ErrorBody)))]
async fn upload(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(q): Params<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    let kind = q.kind.unwrap_or_else(|| "customers".into());
    import::may_upload(&p, &kind)?;
    let k = s.kontor.clone();
    let path = blocking(move || import::new_upload_path(&k)).await?;
    if let Err(e) = receive(&path, &headers, body).await {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    let k = s.kontor.clone();
    let filename = q.filename.unwrap_or_else(|| "upload.csv".into());
    let view = blocking(move || import::upload(&k, &p, &kind, &filename, path, q.encoding)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The caller's imports (managers: within their import scope), newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "import", params(PageQuery), responses((status = 200, body = List<ImportView>)))]
async fn list_imports(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(q): Params<PageQuery>,
) -> ApiResult<Json<List<ImportView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || import::list(&k, &p, Paging::new(q.page, q.per_page))).await?,
    ))
}

/// An import: status (`uploaded`, `running`, `done`, `failed`, `interrupted`, `reverting`,
/// `reverted`) and progress (rows done of total, created, updated, skipped). Poll it while it
/// runs.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "import", params(("id" = u64, Path)), responses((status = 200, body = ImportView)))]
async fn get_import(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<ImportView>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || import::get(&k, &p, id)).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PreviewQuery {
    /// Apply this saved mapping instead of the suggestion.
    mapping_name: Option<String>,
}

/// The headers, the first 20 rows and the suggested (or a saved) mapping.
#[utoipa::path(get, path = "/api/v1/imports/{id}/preview", tag = "import", params(("id" = u64, Path), PreviewQuery),
    responses((status = 200, body = Preview)))]
async fn preview(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<PreviewQuery>,
) -> ApiResult<Json<Preview>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || import::preview(&k, &p, id, q.mapping_name.as_deref())).await?,
    ))
}

/// What a commit with these options would do, row by row: errors (row and column as in the
/// file, message in the caller's language), duplicates within the file and against the
/// database, and counts. Writes nothing.
#[utoipa::path(post, path = "/api/v1/imports/{id}/dry-run", tag = "import", params(("id" = u64, Path)), request_body = ImportOptions,
    responses((status = 200, body = DryRun)))]
async fn dry_run(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    JsonBody(options): JsonBody<ImportOptions>,
) -> ApiResult<Json<DryRun>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || import::dry_run(&k, &p, id, options)).await?,
    ))
}

/// Starts the import in the background (202) and answers at once; poll GET /imports/{id}.
/// Rows with errors are skipped; the others are written 1,000 per transaction. An `interrupted`
/// or `failed` import continues after its last written batch (its first options kept).
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "import", params(("id" = u64, Path)), request_body = ImportOptions,
    responses((status = 202, body = ImportView)))]
async fn commit(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    JsonBody(options): JsonBody<ImportOptions>,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    let k: Arc<_> = s.kontor.clone();
    Ok((
        StatusCode::ACCEPTED,
        Json(blocking(move || import::commit(k, &p, id, options)).await?),
    ))
}

/// Undoes a committed import in the background (202): customers it created go to the recycle
/// bin, customers it updated get their previous values back unless changed since.
#[utoipa::path(post, path = "/api/v1/imports/{id}/revert", tag = "import", params(("id" = u64, Path)),
    responses((status = 202, body = ImportView)))]
async fn revert(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    let k: Arc<_> = s.kontor.clone();
    Ok((
        StatusCode::ACCEPTED,
        Json(blocking(move || import::revert(k, &p, id)).await?),
    ))
}

/// The commit's report: every skipped row and warning (at most 10,000), in file order.
#[utoipa::path(get, path = "/api/v1/imports/{id}/issues", tag = "import", params(("id" = u64, Path), PageQuery),
    responses((status = 200, body = List<RowIssue>)))]
async fn issues(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<PageQuery>,
) -> ApiResult<Json<List<RowIssue>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || import::issues(&k, &p, id, Paging::new(q.page, q.per_page))).await?,
    ))
}

/// The caller's saved column mappings, newest first.
#[utoipa::path(get, path = "/api/v1/import-mappings", tag = "import", responses((status = 200, body = Vec<SavedMapping>)))]
async fn list_mappings(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
) -> ApiResult<Json<Vec<SavedMapping>>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || import::mappings(&k, &p)).await?))
}

/// Saves a column mapping under a name (replacing one of the same name).
#[utoipa::path(post, path = "/api/v1/import-mappings", tag = "import", request_body = MappingInput,
    responses((status = 201, body = SavedMapping)))]
async fn save_mapping(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    JsonBody(input): JsonBody<MappingInput>,
) -> ApiResult<(StatusCode, Json<SavedMapping>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || import::save_mapping(&k, &p, input)).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/import-mappings/{name}", tag = "import", params(("name" = String, Path)),
    responses((status = 204)))]
async fn delete_mapping(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(name): PathParam<String>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || import::delete_mapping(&k, &p, name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The customer list as filtered (the list's parameters; paging ignored) as a file: CSV in
/// UTF-8 with BOM (or `encoding=gbk`) or XLSX. Needs the export permission. Headers are in the
/// caller's language; cells that a spreadsheet could run as formulas are escaped.
#[utoipa::path(get, path = "/api/v1/customers/export", tag = "crm", params(ExportParams, CustomerQuery),
    responses((status = 200, description = "The file (text/csv or XLSX); the header x-export-rows gives the row count",
        content((Vec<u8> = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
async fn export_customers(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(x): Params<ExportParams>,
    Params(q): Params<CustomerQuery>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    let f = blocking(move || export::customers(&k, &p, q, x)).await?;
    send_export(f)
}

/// An export file as the answer: streamed, named for download, its row count in
/// `x-export-rows`.
pub(super) fn send_export(f: export::ExportFile) -> ApiResult<Response> {
    let file = tokio::fs::File::from_std(f.file);
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, f.content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", f.filename),
        )
        .header(header::CONTENT_LENGTH, f.size)
        .header("x-export-rows", f.rows)
        .body(body)
        .map_err(|e| ApiError(AppError::internal(e)))
}
