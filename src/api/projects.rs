//! Projects, their tasks and schedule, project templates and "my tasks" (PRJ-1, PRJ-3).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::kit::List;
use crate::domain::projects::plan::{self, Schedule};
use crate::domain::projects::project::{self, ProjectInput, ProjectQuery, ProjectView};
use crate::domain::projects::talk::{
    self, CommentInput, CommentView, DifficultyInput, ReactInput, ReactionView,
};
use crate::domain::projects::tasks::{
    self, MyTask, MyTaskQuery, ProjectTaskView, TaskInput, TaskMoveInput, TaskQuery,
};
use crate::domain::projects::templates::{
    self, FromTemplateInput, ProjectTemplate, SaveAsTemplateInput, TemplateView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(project_schedule))
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(get_task, update_task, delete_task))
        .routes(routes!(move_task))
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(react))
        .routes(routes!(rate_task))
        .routes(routes!(my_tasks))
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, delete_template))
        .routes(routes!(from_template))
        .routes(routes!(save_as_template))
}

/// Projects the caller reads (as manager, member, observer, or by the role's scope), newest
/// first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectQuery), responses((status = 200, body = List<ProjectView>)))]
async fn list_projects(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<ProjectQuery>,
) -> ApiResult<Json<List<ProjectView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || project::list(&k, &auth.principal, q)).await?,
    ))
}

/// A new project (the caller manages it unless `manager_id` says otherwise); PRJ-YYYY-NNNN.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectInput, responses((status = 201, body = ProjectView)))]
async fn create_project(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<ProjectInput>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || project::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = u64, Path)), responses((status = 200, body = ProjectView)))]
async fn get_project(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<ProjectView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || project::get(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = u64, Path)), request_body = ProjectInput, responses((status = 200, body = ProjectView)))]
async fn update_project(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ProjectInput>,
) -> ApiResult<Json<ProjectView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || project::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves the project and its tasks to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_project(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || project::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Each task's earliest and latest start and finish, its slack, and the critical path.
#[utoipa::path(get, path = "/api/v1/projects/{id}/schedule", tag = "projects", params(("id" = u64, Path)), responses((status = 200, body = Schedule)))]
async fn project_schedule(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Schedule>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || plan::schedule(&k, &auth.principal, id)).await?,
    ))
}

/// The project's tasks in outline order (phases, their tasks, subtasks).
#[utoipa::path(get, path = "/api/v1/projects/{id}/tasks", tag = "projects", params(("id" = u64, Path), TaskQuery), responses((status = 200, body = List<ProjectTaskView>)))]
async fn list_tasks(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<TaskQuery>,
) -> ApiResult<Json<List<ProjectTaskView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::list(&k, &auth.principal, id, q)).await?,
    ))
}

/// A new task; with the project's `move_dependents`, placed no earlier than its predecessors
/// allow.
#[utoipa::path(post, path = "/api/v1/projects/{id}/tasks", tag = "projects", params(("id" = u64, Path)), request_body = TaskInput, responses((status = 201, body = ProjectTaskView)))]
async fn create_task(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<TaskInput>,
) -> ApiResult<(StatusCode, Json<ProjectTaskView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || tasks::create(&k, &auth.principal, id, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/project-tasks/{id}", tag = "projects", params(("id" = u64, Path)), responses((status = 200, body = ProjectTaskView)))]
async fn get_task(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<ProjectTaskView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes a task; with the project's `move_dependents`, its subtasks move with it and its
/// successors forward as far as they must. A dependency cycle is refused, naming its tasks.
#[utoipa::path(patch, path = "/api/v1/project-tasks/{id}", tag = "projects", params(("id" = u64, Path)), request_body = TaskInput, responses((status = 200, body = ProjectTaskView)))]
async fn update_task(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<TaskInput>,
) -> ApiResult<Json<ProjectTaskView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves the task and its subtasks to the recycle bin (others stop depending on them).
#[utoipa::path(delete, path = "/api/v1/project-tasks/{id}", tag = "projects", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_task(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || tasks::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Kanban: puts the card into a status column after another card.
#[utoipa::path(post, path = "/api/v1/project-tasks/{id}/move", tag = "projects", params(("id" = u64, Path)), request_body = TaskMoveInput, responses((status = 200, body = ProjectTaskView)))]
async fn move_task(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<TaskMoveInput>,
) -> ApiResult<Json<ProjectTaskView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::move_card(&k, &auth.principal, id, input)).await?,
    ))
}

/// The project tasks assigned to the caller across projects: open first, by due date.
#[utoipa::path(get, path = "/api/v1/my/tasks", tag = "projects", params(MyTaskQuery), responses((status = 200, body = List<MyTask>)))]
async fn my_tasks(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<MyTaskQuery>,
) -> ApiResult<Json<List<MyTask>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::mine(&k, &auth.principal, q)).await?,
    ))
}

/// The company's project templates (the presets and those saved from projects).
#[utoipa::path(get, path = "/api/v1/project-templates", tag = "projects", responses((status = 200, body = List<TemplateView>)))]
async fn list_templates(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<List<TemplateView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || templates::list(&k, &auth.principal)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/project-templates", tag = "projects", request_body = ProjectTemplate, responses((status = 201, body = TemplateView)))]
async fn create_template(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<ProjectTemplate>,
) -> ApiResult<(StatusCode, Json<TemplateView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || templates::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/project-templates/{id}", tag = "projects", params(("id" = u64, Path)), responses((status = 200, body = TemplateView)))]
async fn get_template(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<TemplateView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || templates::get(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/project-templates/{id}", tag = "projects", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_template(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || templates::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new project laid out from a template: every phase and task dated from `start`, or counted
/// back from `event_date`, titled in `lang` (else the caller's language).
#[utoipa::path(post, path = "/api/v1/projects/from-template", tag = "projects", request_body = FromTemplateInput, responses((status = 201, body = ProjectView)))]
async fn from_template(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<FromTemplateInput>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || templates::instantiate(&k, &auth.principal, input)).await?),
    ))
}

/// A template from the project: its tasks' days, durations and dependencies.
#[utoipa::path(post, path = "/api/v1/projects/{id}/save-as-template", tag = "projects", params(("id" = u64, Path)), request_body = SaveAsTemplateInput, responses((status = 201, body = TemplateView)))]
async fn save_as_template(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<SaveAsTemplateInput>,
) -> ApiResult<(StatusCode, Json<TemplateView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || templates::save_as(&k, &auth.principal, id, input)).await?),
    ))
}

/// The task's conversation, oldest comment first (reading the task is enough).
#[utoipa::path(get, path = "/api/v1/project-tasks/{id}/comments", tag = "projects", params(("id" = u64, Path)), responses((status = 200, body = Vec<CommentView>)))]
async fn list_comments(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Vec<CommentView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || talk::comments(&k, &auth.principal, id)).await?,
    ))
}

/// Adds a comment to the task (changing the task: observers may not). Mentions are written
/// `@[Name](user:12)`; each mentioned member of the project is notified, someone off the
/// project is refused (422 on `body`).
#[utoipa::path(post, path = "/api/v1/project-tasks/{id}/comments", tag = "projects", params(("id" = u64, Path)), request_body = CommentInput, responses((status = 201, body = CommentView)))]
async fn add_comment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<CommentInput>,
) -> ApiResult<(StatusCode, Json<CommentView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || talk::comment(&k, &auth.principal, id, input)).await?),
    ))
}

/// Toggles the caller's emoji reaction on the task or on one of its comments (`comment_id`);
/// answers the reactions there now. Reading the task is enough: observers react too.
#[utoipa::path(post, path = "/api/v1/project-tasks/{id}/reactions", tag = "projects", params(("id" = u64, Path)), request_body = ReactInput, responses((status = 200, body = Vec<ReactionView>)))]
async fn react(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ReactInput>,
) -> ApiResult<Json<Vec<ReactionView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || talk::react(&k, &auth.principal, id, input)).await?,
    ))
}

/// Sets (or with null takes back) the caller's quick difficulty rating of the task.
#[utoipa::path(put, path = "/api/v1/project-tasks/{id}/difficulty", tag = "projects", params(("id" = u64, Path)), request_body = DifficultyInput, responses((status = 200, body = ProjectTaskView)))]
async fn rate_task(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<DifficultyInput>,
) -> ApiResult<Json<ProjectTaskView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || talk::rate_task(&k, &auth.principal, id, input)).await?,
    ))
}
