//! Customers, contacts, timeline and the public pool (CRM-1, CRM-2, CRM-4).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::Paging;
use crate::domain::crm::customers::{
    self, ContactInput, ContactView, CustomerInput, CustomerPatch, CustomerQuery, CustomerView,
};
use crate::domain::crm::pool::{self, PoolInput, PoolQuery, PoolView, ReleaseInput};
use crate::domain::crm::timeline::{self, ActivityInput, ActivityView};
use crate::domain::dedup::check::{self, CheckResult, Probe, Rules};
use crate::domain::dedup::merge::{self, DuplicateGroup, MergeInput, MergeResult};
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer, update_customer, delete_customer))
        .routes(routes!(list_contacts, add_contact))
        .routes(routes!(update_contact, delete_contact))
        .routes(routes!(get_timeline, add_timeline))
        .routes(routes!(claim))
        .routes(routes!(release))
        .routes(routes!(transfer))
        .routes(routes!(list_pool))
        .routes(routes!(list_pools, create_pool))
        .routes(routes!(update_pool))
        .routes(routes!(check_duplicates))
        .routes(routes!(scan_duplicates))
        .routes(routes!(merge_customers))
        .routes(routes!(undo_merge))
        .routes(routes!(get_duplicate_rules, set_duplicate_rules))
}

/// Customers the caller may see, filtered, sorted and paged, with the total.
#[utoipa::path(get, path = "/api/v1/customers", tag = "crm", params(CustomerQuery), responses((status = 200, body = List<CustomerView>)))]
async fn list_customers(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<CustomerQuery>,
) -> ApiResult<Json<List<CustomerView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || customers::list(&k, &auth.principal, q)).await?,
    ))
}

/// Creates a customer (with contacts). A name another rep owns is refused without details.
#[utoipa::path(post, path = "/api/v1/customers", tag = "crm", request_body = CustomerInput, responses((status = 201, body = CustomerView)))]
async fn create_customer(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<CustomerInput>,
) -> ApiResult<(StatusCode, Json<CustomerView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || customers::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "crm", params(("id" = u64, Path)), responses((status = 200, body = CustomerView)))]
async fn get_customer(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<CustomerView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || customers::get(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "crm", params(("id" = u64, Path)), request_body = CustomerPatch,
    responses((status = 200, body = CustomerView)))]
async fn update_customer(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(patch): Body<CustomerPatch>,
) -> ApiResult<Json<CustomerView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || customers::update(&k, &auth.principal, id, patch)).await?,
    ))
}

/// Moves a customer to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "crm", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_customer(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || customers::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The decision chain: the customer's contacts, primary first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/contacts", tag = "crm", params(("id" = u64, Path)), responses((status = 200, body = Vec<ContactView>)))]
async fn list_contacts(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Vec<ContactView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || customers::contacts(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "crm", params(("id" = u64, Path)), request_body = ContactInput,
    responses((status = 201, body = ContactView)))]
async fn add_contact(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ContactInput>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || customers::add_contact(&k, &auth.principal, id, input)).await?),
    ))
}

/// Replaces a contact's fields (`version` required).
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = u64, Path)), request_body = ContactInput,
    responses((status = 200, body = ContactView)))]
async fn update_contact(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ContactInput>,
) -> ApiResult<Json<ContactView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || customers::update_contact(&k, &auth.principal, id, input)).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_contact(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || customers::delete_contact(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TimelineQuery {
    /// Only the entries with this contact.
    contact_id: Option<u64>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// The customer's timeline, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/timeline", tag = "crm", params(("id" = u64, Path), TimelineQuery),
    responses((status = 200, body = List<ActivityView>)))]
async fn get_timeline(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<TimelineQuery>,
) -> ApiResult<Json<List<ActivityView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || {
            timeline::for_customer(&k, &p, id, q.contact_id, Paging::new(q.page, q.per_page))
        })
        .await?,
    ))
}

/// Logs an e-mail, call, meeting, visit, note, sample, quotation or chat; a `follow_up_on` date
/// becomes a task for the owner.
#[utoipa::path(post, path = "/api/v1/customers/{id}/timeline", tag = "crm", params(("id" = u64, Path)), request_body = ActivityInput,
    responses((status = 201, body = ActivityView)))]
async fn add_timeline(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ActivityInput>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || timeline::add_to_customer(&k, &p, id, input)).await?),
    ))
}

/// Claims a pool customer, within the pool's caps and cooldown.
#[utoipa::path(post, path = "/api/v1/customers/{id}/claim", tag = "crm", params(("id" = u64, Path)), responses((status = 200, body = CustomerView)))]
async fn claim(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<CustomerView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || pool::claim(&k, &auth.principal, id, Utc::now())).await?,
    ))
}

/// Returns a customer to the public pool.
#[utoipa::path(post, path = "/api/v1/customers/{id}/release", tag = "crm", params(("id" = u64, Path)), request_body = ReleaseInput,
    responses((status = 200, body = CustomerView)))]
async fn release(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ReleaseInput>,
) -> ApiResult<Json<CustomerView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || pool::release(&k, &auth.principal, id, input)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferInput {
    to_user: u64,
}

/// Gives a customer to another rep (managers).
#[utoipa::path(post, path = "/api/v1/customers/{id}/transfer", tag = "crm", params(("id" = u64, Path)), request_body = TransferInput,
    responses((status = 200, body = CustomerView)))]
async fn transfer(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<TransferInput>,
) -> ApiResult<Json<CustomerView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || customers::transfer(&k, &auth.principal, id, input.to_user)).await?,
    ))
}

/// Customers in the public pools the caller sees.
#[utoipa::path(get, path = "/api/v1/pool", tag = "crm", params(PoolQuery), responses((status = 200, body = List<CustomerView>)))]
async fn list_pool(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<PoolQuery>,
) -> ApiResult<Json<List<CustomerView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || pool::list(&k, &auth.principal, q)).await?,
    ))
}

/// The pools and their rules.
#[utoipa::path(get, path = "/api/v1/pools", tag = "crm", responses((status = 200, body = Vec<PoolView>)))]
async fn list_pools(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<PoolView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || pool::pools(&k, &auth.principal)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/pools", tag = "crm", request_body = PoolInput, responses((status = 201, body = PoolView)))]
async fn create_pool(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<PoolInput>,
) -> ApiResult<(StatusCode, Json<PoolView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || pool::create_pool(&k, &auth.principal, input)).await?),
    ))
}

/// Replaces a pool's rules (`version` required).
#[utoipa::path(put, path = "/api/v1/pools/{id}", tag = "crm", params(("id" = u64, Path)), request_body = PoolInput, responses((status = 200, body = PoolView)))]
async fn update_pool(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<PoolInput>,
) -> ApiResult<Json<PoolView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || pool::update_pool(&k, &auth.principal, id, input)).await?,
    ))
}

/// The duplicate check (查重) as the customer form calls it while the user types: candidates
/// among customers, contacts, leads, the pool and the recycle bin, with reasons and a score.
#[utoipa::path(get, path = "/api/v1/duplicates/check", tag = "crm", params(Probe), responses((status = 200, body = CheckResult)))]
async fn check_duplicates(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(probe): Params<Probe>,
) -> ApiResult<Json<CheckResult>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || check::check(&k, &p, probe)).await?))
}

/// What each kind of match does: block, warn or ignore.
#[utoipa::path(get, path = "/api/v1/duplicates/rules", tag = "crm", responses((status = 200, body = Rules)))]
async fn get_duplicate_rules(State(s): State<AppState>, _auth: Auth) -> ApiResult<Json<Rules>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || k.store.read(check::rules)).await?))
}

#[utoipa::path(put, path = "/api/v1/duplicates/rules", tag = "crm", request_body = Rules, responses((status = 200, body = Rules)))]
async fn set_duplicate_rules(
    State(s): State<AppState>,
    auth: Auth,
    Body(rules): Body<Rules>,
) -> ApiResult<Json<Rules>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || check::save_rules(&k, &auth.principal, rules)).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ScanQuery {
    /// Most groups to return (default 100).
    limit: Option<usize>,
}

/// Scans every customer the caller may change for likely duplicates, in groups with reasons.
#[utoipa::path(get, path = "/api/v1/duplicates/scan", tag = "crm", params(ScanQuery), responses((status = 200, body = Vec<DuplicateGroup>)))]
async fn scan_duplicates(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(q): Params<ScanQuery>,
) -> ApiResult<Json<Vec<DuplicateGroup>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || merge::scan(&k, &p, q.limit.unwrap_or(100).min(1000))).await?,
    ))
}

/// Merges customers into one: chosen field values, everything related moves to the survivor,
/// the others go to the recycle bin.
#[utoipa::path(post, path = "/api/v1/customers/merge", tag = "crm", request_body = MergeInput, responses((status = 200, body = MergeResult)))]
async fn merge_customers(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<MergeInput>,
) -> ApiResult<Json<MergeResult>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || merge::merge(&k, &auth.principal, input)).await?,
    ))
}

/// Undoes a merge.
#[utoipa::path(post, path = "/api/v1/merges/{id}/undo", tag = "crm", params(("id" = u64, Path)), responses((status = 200, body = MergeResult)))]
async fn undo_merge(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<MergeResult>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || merge::undo(&k, &auth.principal, id)).await?,
    ))
}
