//! A task's conversation (PRJ-5): comments with @mentions (each mentioned member is notified),
//! emoji reactions on the task and on its comments (a toggle per user), a quick difficulty
//! rating per member, and files with versions (`files::AttachTo`). The meeting link is a field
//! of the task (`TaskInput::meeting_url`).
//!
//! Who may do what follows the task's project through the guard: reading the conversation and
//! reacting need reading the task (an observer reacts); commenting, rating and attaching need
//! changing it (an observer gets 403).
//!
//! A mention is written in the body as `@[Name](user:12)`: the web's mention picker inserts it,
//! the name is what the writer saw, the id is what counts. Only the project's people (manager,
//! members, observers) may be mentioned.

use serde::{Deserialize, Serialize};

use super::invalid;
use super::model::{Difficulty, Project, ProjectTask, Rating, Reaction, TaskComment};
use super::project::Person;
use super::tasks::{ProjectTaskView, view};
use crate::auth::{Action, Principal};
use crate::domain::Kontor;
use crate::domain::files::AttachTo;
use crate::domain::kit::{guard, names};
use crate::domain::notify::{Message, NotifyKind, RecordRef, notify};
use crate::error::{AppError, AppResult};
use crate::store::{IndexKey, Record, Tx};

/// The emoji one may react with (the web's picker shows the same).
pub const EMOJI: &[&str] = &["👍", "👏", "🎉", "❤️", "😄", "😮", "😢", "🚀", "👀", "✅"];

/// At most this many comments on one task.
pub const MAX_COMMENTS: usize = 5_000;

/// The users a body mentions (`@[Name](user:12)`), each once, in order of appearance.
pub fn mentions(body: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("@[") {
        rest = &rest[at + 2..];
        let Some(close) = rest.find("](user:") else {
            break;
        };
        let name = &rest[..close];
        if name.contains('[') || name.contains('\n') {
            continue;
        }
        let tail = &rest[close + 7..];
        let digits: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() && tail[digits.len()..].starts_with(')') {
            if let Ok(id) = digits.parse::<u64>()
                && !out.contains(&id)
            {
                out.push(id);
            }
            rest = &tail[digits.len() + 1..];
        }
    }
    out
}

/// Adds the user to the emoji's reactors, or takes them off if they were there.
pub fn toggle(reactions: &mut Vec<Reaction>, emoji: &str, user: u64) {
    match reactions.iter_mut().position(|r| r.emoji == emoji) {
        Some(i) => {
            let r = &mut reactions[i];
            if let Some(u) = r.user_ids.iter().position(|&u| u == user) {
                r.user_ids.remove(u);
                if r.user_ids.is_empty() {
                    reactions.remove(i);
                }
            } else {
                r.user_ids.push(user);
            }
        }
        None => reactions.push(Reaction {
            emoji: emoji.to_string(),
            user_ids: vec![user],
        }),
    }
}

/// Sets (or with `None` clears) one user's difficulty rating.
pub fn rate(ratings: &mut Vec<Rating>, user: u64, level: Option<Difficulty>) {
    ratings.retain(|r| r.user_id != user);
    if let Some(level) = level {
        ratings.push(Rating {
            user_id: user,
            level,
        });
    }
}

/// An emoji and who reacted with it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReactionView {
    pub emoji: String,
    pub users: Vec<Person>,
}

/// A member's difficulty rating.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RatingView {
    pub user: Person,
    pub level: Difficulty,
}

fn people(tx: &Tx, ids: &[u64]) -> AppResult<Vec<Person>> {
    let names = names(tx, ids.iter().copied())?;
    Ok(ids
        .iter()
        .map(|&id| Person {
            id,
            name: names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        })
        .collect())
}

pub(crate) fn reactions_view(tx: &Tx, reactions: &[Reaction]) -> AppResult<Vec<ReactionView>> {
    reactions
        .iter()
        .map(|r| {
            Ok(ReactionView {
                emoji: r.emoji.clone(),
                users: people(tx, &r.user_ids)?,
            })
        })
        .collect()
}

pub(crate) fn ratings_view(tx: &Tx, ratings: &[Rating]) -> AppResult<Vec<RatingView>> {
    let ids: Vec<u64> = ratings.iter().map(|r| r.user_id).collect();
    Ok(people(tx, &ids)?
        .into_iter()
        .zip(ratings)
        .map(|(user, r)| RatingView {
            user,
            level: r.level,
        })
        .collect())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: u64,
    pub task_id: u64,
    pub author: Person,
    /// The text as written; mentions are `@[Name](user:12)`.
    pub body: String,
    pub mentions: Vec<Person>,
    pub reactions: Vec<ReactionView>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: u64,
}

fn comment_view(tx: &Tx, r: Record<TaskComment>) -> AppResult<CommentView> {
    let author = people(tx, &[r.data.author_id])?.remove(0);
    Ok(CommentView {
        id: r.id,
        task_id: r.data.task_id,
        author,
        mentions: people(tx, &r.data.mentions)?,
        reactions: reactions_view(tx, &r.data.reactions)?,
        body: r.data.body,
        created_at: r.meta.created_at,
        version: r.meta.version,
    })
}

/// A task's comments, oldest first.
pub fn comments(k: &Kontor, p: &Principal, task_id: u64) -> AppResult<Vec<CommentView>> {
    k.store.read(|tx| {
        guard::open::<ProjectTask>(tx, p, task_id, Action::Read)?;
        let ids = tx.ids_by_index::<TaskComment>("task", &IndexKey::new().u64(task_id), false)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = tx.get::<TaskComment>(id)?
                && !r.meta.is_deleted()
            {
                out.push(r);
            }
        }
        out.sort_by_key(|r| (r.meta.created_at, r.id));
        out.into_iter().map(|r| comment_view(tx, r)).collect()
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// The text (at most 10,000 characters); mention someone with `@[Name](user:12)`.
    pub body: String,
}

/// Adds a comment; every mentioned member but the writer is notified.
pub fn comment(
    k: &Kontor,
    p: &Principal,
    task_id: u64,
    input: CommentInput,
) -> AppResult<CommentView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let task = guard::open::<ProjectTask>(tx, p, task_id, Action::Update)?;
        let body = crate::domain::validate::text("body", &input.body, 10_000)?;
        let project = tx
            .get::<Project>(task.data.project_id)?
            .ok_or_else(AppError::not_found)?;
        let mentioned = mentions(&body);
        for &u in &mentioned {
            if project.data.manager_id != u && project.data.member(u).is_none() {
                return Err(invalid(
                    "body",
                    format!("被提及的用户 {u} 不是这个项目的成员。"),
                    format!("The mentioned user {u} is not on this project."),
                ));
            }
        }
        let count = tx
            .ids_by_index::<TaskComment>("task", &IndexKey::new().u64(task_id), false)?
            .len();
        if count >= MAX_COMMENTS {
            return Err(super::conflict(
                format!("一个任务最多 {MAX_COMMENTS} 条评论。"),
                format!("A task has at most {MAX_COMMENTS} comments."),
            ));
        }
        let r = tx.insert(
            &p.actor(),
            TaskComment {
                task_id,
                project_id: task.data.project_id,
                owner_id: task.data.owner_id,
                author_id: p.user_id,
                body,
                mentions: mentioned.clone(),
                reactions: Vec::new(),
            },
        )?;
        for u in mentioned.into_iter().filter(|&u| u != p.user_id) {
            notify(
                tx,
                u,
                NotifyKind::TaskMentioned,
                Some(RecordRef::of::<ProjectTask>(task_id)),
                Message::new("project_task.mentioned")
                    .user("actor", p.user_id)
                    .record::<ProjectTask>("task", task_id, None),
            )?;
        }
        comment_view(tx, r)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactInput {
    /// One of 👍 👏 🎉 ❤️ 😄 😮 😢 🚀 👀 ✅.
    pub emoji: String,
    /// A comment of the task; absent: the task itself.
    pub comment_id: Option<u64>,
}

/// Toggles the caller's reaction on the task or one of its comments; answers the reactions
/// there now. Reading the task is enough (an observer reacts).
pub fn react(
    k: &Kontor,
    p: &Principal,
    task_id: u64,
    input: ReactInput,
) -> AppResult<Vec<ReactionView>> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        guard::open::<ProjectTask>(tx, p, task_id, Action::Read)?;
        let emoji = input.emoji.trim();
        if !EMOJI.contains(&emoji) {
            return Err(invalid(
                "emoji",
                format!("不支持的表情“{emoji}”；可用：{}。", EMOJI.join(" ")),
                format!(
                    "The emoji “{emoji}” is not offered; use one of {}.",
                    EMOJI.join(" ")
                ),
            ));
        }
        let actor = p.actor();
        let me = p.user_id;
        let reactions = match input.comment_id {
            Some(cid) => {
                let c = guard::open::<TaskComment>(tx, p, cid, Action::Read)?;
                if c.data.task_id != task_id {
                    return Err(AppError::not_found());
                }
                tx.update::<TaskComment, AppError>(&actor, cid, None, |c| {
                    toggle(&mut c.reactions, emoji, me);
                    Ok(())
                })?
                .data
                .reactions
            }
            None => {
                tx.update::<ProjectTask, AppError>(&actor, task_id, None, |t| {
                    toggle(&mut t.reactions, emoji, me);
                    Ok(())
                })?
                .data
                .reactions
            }
        };
        reactions_view(tx, &reactions)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DifficultyInput {
    /// high, medium or low; null takes the caller's rating back.
    pub level: Option<Difficulty>,
}

/// Sets the caller's difficulty rating of the task (changing the task: not for observers).
pub fn rate_task(
    k: &Kontor,
    p: &Principal,
    task_id: u64,
    input: DifficultyInput,
) -> AppResult<ProjectTaskView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let me = p.user_id;
        let r = guard::update::<ProjectTask>(tx, p, task_id, Action::Update, None, |t| {
            rate(&mut t.difficulty, me, input.level);
            Ok(())
        })?;
        view(tx, r)
    })
}

/// Files on a task: read with the task, added and removed by those who may change it.
impl AttachTo for ProjectTask {
    const KIND: &'static str = "project_task";
    fn guard(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Option<u64>> {
        Ok(guard::open::<ProjectTask>(tx, p, id, action)?.data.owner_id)
    }
}

/// Checks a meeting link: an absolute http or https address.
pub fn meeting_url(field: &str, v: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        invalid(
            field,
            format!("会议链接“{v}”无效：须为 http:// 或 https:// 开头的完整网址。"),
            format!(
                "The meeting link “{v}” is not valid: give a full http:// or https:// address."
            ),
        )
    };
    if v.chars().count() > 2_000 {
        return Err(bad());
    }
    let u = url::Url::parse(v).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(Some(u.to_string()))
}

/// Tells each newly assigned user (not the one assigning) of the task.
pub(crate) fn tell_assigned(
    tx: &mut Tx,
    p: &Principal,
    task_id: u64,
    before: &[u64],
    after: &[u64],
) -> AppResult<()> {
    for &u in after {
        if u == p.user_id || before.contains(&u) {
            continue;
        }
        notify(
            tx,
            u,
            NotifyKind::TaskAssigned,
            Some(RecordRef::of::<ProjectTask>(task_id)),
            Message::new("project_task.assigned")
                .user("actor", p.user_id)
                .record::<ProjectTask>("task", task_id, None),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_read_from_the_body() {
        // (body, mentioned ids)
        let cases: &[(&str, &[u64])] = &[
            ("no one", &[]),
            ("@[Li Lei](user:12) please check", &[12]),
            (
                "@[李雷](user:12) 和 @[韩梅梅](user:7)，还有 @[李雷](user:12)",
                &[12, 7],
            ),
            ("mail me@example.com, @[x](user:) @[y](user:3", &[]),
            ("@[a](user:4x) @[b](user:5)", &[5]),
            ("@[broken @[c](user:9)", &[9]),
            ("@[line\nbreak](user:8)", &[]),
        ];
        for (body, want) in cases {
            assert_eq!(mentions(body), want.to_vec(), "{body}");
        }
    }

    #[test]
    fn reactions_toggle_per_user() {
        let mut r = Vec::new();
        toggle(&mut r, "👍", 1);
        toggle(&mut r, "👍", 2);
        toggle(&mut r, "🎉", 1);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].user_ids, vec![1, 2]);
        toggle(&mut r, "👍", 1);
        assert_eq!(r[0].user_ids, vec![2]);
        toggle(&mut r, "👍", 2);
        assert_eq!(r.len(), 1, "an emoji nobody holds is gone");
        assert_eq!(r[0].emoji, "🎉");
    }

    #[test]
    fn a_rating_is_one_per_user() {
        let mut r = Vec::new();
        rate(&mut r, 1, Some(Difficulty::High));
        rate(&mut r, 2, Some(Difficulty::Low));
        rate(&mut r, 1, Some(Difficulty::Medium));
        assert_eq!(r.len(), 2);
        assert!(r.contains(&Rating {
            user_id: 1,
            level: Difficulty::Medium
        }));
        rate(&mut r, 1, None);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn meeting_links_are_http_or_https() {
        // (input, accepted)
        let cases: &[(&str, bool)] = &[
            ("https://meet.google.com/abc-defg-hij", true),
            ("http://zoom.us/j/123", true),
            ("  https://teams.microsoft.com/l/meetup ", true),
            ("javascript:alert(1)", false),
            ("ftp://files.example.com", false),
            ("meet.google.com/abc", false),
            ("https://", false),
            ("file:///etc/passwd", false),
        ];
        for (v, ok) in cases {
            assert_eq!(meeting_url("meeting_url", Some(v)).is_ok(), *ok, "{v}");
        }
        assert_eq!(meeting_url("meeting_url", Some("  ")).unwrap(), None);
    }
}
