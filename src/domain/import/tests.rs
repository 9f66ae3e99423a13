//! The pipeline on its own, with a tiny kind of its own (`notes`: a name, a text and a hidden
//! cost, kept in a key-value table): mapping, required and hidden columns, a dry run that the
//! commit follows row for row over several batches, the report, upserts, and the revert.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::auth::{Action, Effective, FieldClass, Module, Principal, Scope};
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, Record, Tx};

use super::commit::BATCH;
use super::dry_run::DryRun;
use super::options::{DefaultOwnerInput, ImportOptions, resolve};
use super::plan::{Duplicate, Plan, Planned};
use super::reader;
use super::record::{Import, ImportStatus, Mode, Progress, progress};
use super::report::{Severity, stored_issues};
use super::row::{Pass, Prepared};
use super::target::{Column, ImportTarget, MatchKey, Memory, Noun, Target, Undo};
use super::upload::imports_dir;

/// A caller who may do everything, speaking English.
pub(crate) fn admin() -> Principal {
    let mut grants: BTreeMap<String, BTreeMap<String, Scope>> = BTreeMap::new();
    for m in Module::ALL {
        for a in Action::ALL {
            grants
                .entry(m.key().to_string())
                .or_default()
                .insert(a.key().to_string(), Scope::All);
        }
    }
    Principal {
        user_id: 1,
        username: "admin".into(),
        display_name: "Admin".into(),
        team_ids: Vec::new(),
        team_members: vec![1],
        is_admin: true,
        perms: Effective {
            grants,
            hidden_fields: Vec::new(),
        },
        lang: Lang::En,
        time_zone: "UTC".into(),
        ip: None,
    }
}

const KV_NOTES: &str = "test_notes";

/// While set, writing a note whose text is `crash` fails (a commit that stops midway).
static CRASH: AtomicBool = AtomicBool::new(true);

/// The fake kind: notes by name.
struct Notes;

#[derive(Default)]
struct Note {
    name: Option<String>,
    text: Option<String>,
}

#[derive(Default)]
struct Seen(BTreeMap<String, u64>);

impl Memory for Seen {}

#[derive(Serialize, Deserialize)]
struct NoteUndo {
    id: u64,
    name: String,
    created: bool,
    before: Option<String>,
}

impl Undo for NoteUndo {
    fn record(&self) -> u64 {
        self.id
    }
    fn created(&self) -> bool {
        self.created
    }
}

fn note_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn stored(tx: &Tx, name: &str) -> AppResult<Option<String>> {
    Ok(tx
        .kv_get(KV_NOTES, name.as_bytes())?
        .map(|v| String::from_utf8_lossy(&v).into_owned()))
}

impl ImportTarget for Notes {
    const KIND: &'static str = "notes";
    const NOUN: Noun = Noun {
        zh: "笔记",
        en: "note",
        en_plural: "notes",
    };
    const MODULE: Module = Module::Products;
    const COLUMNS: &'static [Column] = &[
        Column::new("name", "名称", "Name", &["名称", "name", "title"])
            .required("名称", "the note's name"),
        Column::new("text", "内容", "Text", &["内容", "text", "body"]),
        Column::new("cost", "成本", "Cost", &["成本", "cost"]).hidden(FieldClass::Cost),
    ];
    const MATCH_KEYS: &'static [MatchKey] = &[MatchKey::Name];

    type Context = ();
    type Draft = Note;
    type Memory = Seen;
    type Batch = ();
    type Undo = NoteUndo;

    fn context(_: &Tx, _: &Principal) -> AppResult<()> {
        Ok(())
    }
    fn memory(_: bool) -> Seen {
        Seen::default()
    }
    fn cell(_: &Pass<Self>, d: &mut Note, column: &'static str, v: &str) -> AppResult<()> {
        match column {
            "name" => d.name = Some(validate::text("name", v, 20)?),
            "text" if v == "boom" => {
                return Err(AppError::invalid("text", Msg::new("不行。", "Not boom.")));
            }
            "text" => d.text = validate::optional_text("text", Some(v), 100)?,
            _ => {}
        }
        Ok(())
    }
    fn finish(_: &Pass<Self>, _: &mut Prepared<Self>) {}
    fn matching(tx: &Tx, _: &Pass<Self>, row: &Prepared<Self>, _: MatchKey) -> AppResult<Vec<u64>> {
        let name = row.draft.name.clone().unwrap_or_default();
        Ok(stored(tx, &name)?
            .map(|_| note_id(&name))
            .into_iter()
            .collect())
    }
    fn may_update(
        _: &Tx,
        _: &Pass<Self>,
        _: &Prepared<Self>,
        _: MatchKey,
        _: u64,
        _: &mut Planned,
    ) -> AppResult<bool> {
        Ok(true)
    }
    fn duplicates(
        tx: &Tx,
        pass: &Pass<Self>,
        seen: &mut Seen,
        row: &Prepared<Self>,
        out: &mut Planned,
    ) -> AppResult<()> {
        let name = row.draft.name.clone().unwrap_or_default();
        let dup = |of_row| Duplicate {
            row: row.row,
            key: MatchKey::Name,
            value: name.clone(),
            of_row,
            record_id: None,
            customer_id: None,
            lead_id: None,
            customer_name: None,
            owner: None,
            reasons: Vec::new(),
            blocking: true,
        };
        if let Some(&first) = seen.0.get(&name) {
            out.dups.push(dup(Some(first)));
            let msg = Msg::new("重复。", format!("Same name as row {first}."));
            out.issues
                .push(row.error(pass, "name", "duplicate_in_file", msg));
            out.plan = Plan::Skip;
        } else if out.plan == Plan::Create && stored(tx, &name)?.is_some() {
            out.dups.push(dup(None));
            let msg = Msg::new("已存在。", "Exists.");
            out.issues.push(row.error(pass, "name", "exists", msg));
            out.plan = Plan::Skip;
        }
        if out.plan != Plan::Skip {
            seen.0.insert(name, row.row);
        }
        Ok(())
    }
    fn resumed(seen: &mut Seen, row: &Prepared<Self>) {
        seen.0
            .insert(row.draft.name.clone().unwrap_or_default(), row.row);
    }
    fn batch(_: &Tx) -> AppResult<()> {
        Ok(())
    }
    fn write(
        tx: &mut Tx,
        _: &Actor,
        _: &mut (),
        row: Prepared<Self>,
        plan: Plan,
    ) -> AppResult<NoteUndo> {
        let name = row.draft.name.unwrap_or_default();
        let before = stored(tx, &name)?;
        let text = row.draft.text.unwrap_or_default();
        if text == "crash" && CRASH.load(Ordering::Relaxed) {
            return Err(AppError::internal("the disk is gone"));
        }
        tx.kv_put(KV_NOTES, name.as_bytes(), text.as_bytes())?;
        Ok(NoteUndo {
            id: note_id(&name),
            created: plan == Plan::Create,
            name,
            before,
        })
    }
    fn revert(tx: &mut Tx, _: &Actor, u: &NoteUndo) -> AppResult<bool> {
        match &u.before {
            None => tx.kv_remove(KV_NOTES, u.name.as_bytes())?,
            Some(b) => {
                tx.kv_put(KV_NOTES, u.name.as_bytes(), b.as_bytes())?;
                None
            }
        };
        Ok(true)
    }
}

const NOTES: Target = Target::of::<Notes>();

struct Fixture {
    k: Arc<Kontor>,
    p: Principal,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let k = Arc::new(Kontor::open(dir.path()).unwrap());
        Fixture {
            k,
            p: admin(),
            _dir: dir,
        }
    }

    /// Stores `csv` as an uploaded file and records its import (header in row 1).
    fn upload(&self, csv: &str) -> Record<Import> {
        let path = imports_dir(&self.k).join(format!("{}.csv", rand::random::<u64>()));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, csv).unwrap();
        let layout = reader::sniff(&path, "notes.csv", None).unwrap();
        let mut lines = csv.lines();
        let headers = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let import = Import {
            kind: "notes".into(),
            filename: "notes.csv".into(),
            file: path.file_name().unwrap().to_string_lossy().into_owned(),
            size: csv.len() as u64,
            layout,
            header_row: 1,
            headers,
            rows: lines.count() as u64,
            owner_id: Some(self.p.user_id),
            status: ImportStatus::Uploaded,
            options: None,
            started_at: None,
            finished_at: None,
            reverted_at: None,
            failure: None,
        };
        let actor = self.p.actor();
        self.k
            .store
            .write(move |tx| Ok::<_, AppError>(tx.insert(&actor, import)?))
            .unwrap()
    }

    fn dry_run(&self, r: &Record<Import>, o: ImportOptions) -> AppResult<DryRun> {
        self.k.store.read(|tx| {
            let resolved = resolve(tx, &self.p, Scope::All, &NOTES, &r.data, o)?;
            super::dry_run::run::<Notes>(&self.k, tx, &self.p, Scope::All, &r.data, resolved)
        })
    }

    /// Commits in this thread (the worker's work) and answers the progress.
    fn commit(&self, r: &Record<Import>, o: ImportOptions) -> Progress {
        self.try_commit(r, o).unwrap()
    }

    fn try_commit(&self, r: &Record<Import>, o: ImportOptions) -> AppResult<Progress> {
        let (id, p) = (r.id, self.p.clone());
        let resolved = self
            .k
            .store
            .read(|tx| resolve(tx, &p, Scope::All, &NOTES, &r.data, o))
            .unwrap();
        let actor = p.actor();
        self.k
            .store
            .write(move |tx| {
                tx.update::<Import, AppError>(&actor, id, None, |i| {
                    i.options = Some(resolved);
                    i.status = ImportStatus::Running;
                    Ok(())
                })
            })
            .unwrap();
        super::commit::run::<Notes>(&Arc::downgrade(&self.k), &p, Scope::All, id)?;
        self.k.store.read(|tx| progress(tx, id))
    }

    /// Commits again after a failure: with the options it first ran with.
    fn resume(&self, r: &Record<Import>) -> AppResult<Progress> {
        let weak = Arc::downgrade(&self.k);
        super::commit::run::<Notes>(&weak, &self.p, Scope::All, r.id)?;
        self.k.store.read(|tx| progress(tx, r.id))
    }

    fn notes(&self) -> BTreeMap<String, String> {
        self.k
            .store
            .read(|tx| tx.kv_prefix(KV_NOTES, b""))
            .unwrap()
            .into_iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect()
    }
}

fn mapped(m: &[Option<&str>]) -> ImportOptions {
    ImportOptions {
        mapping: Some(m.iter().map(|m| m.map(str::to_string)).collect()),
        ..Default::default()
    }
}

#[test]
fn the_commit_does_what_its_dry_run_said_over_several_batches() {
    let f = Fixture::new();
    let mut csv = String::from("Title,Body\n");
    let n = BATCH * 2 + 500;
    for i in 0..n {
        match i % 500 {
            7 => csv.push_str(&format!("n{},boom\n", i)),
            8 => csv.push_str(",nameless\n"),
            9 => csv.push_str(&format!("n{},again,extra\n", i - 3)),
            _ => csv.push_str(&format!("n{i},text {i}\n")),
        }
    }
    let r = f.upload(&csv);
    // The headers are recognised by the kind's synonyms.
    let dry = f.dry_run(&r, ImportOptions::default()).unwrap();
    assert_eq!(dry.mapping, vec![Some("name".into()), Some("text".into())]);
    let per_500 = |k: u64| k * (n as u64 / 500);
    assert_eq!(dry.counts.rows, n as u64);
    assert_eq!(
        dry.counts.errors,
        per_500(3),
        "boom, nameless, a repeated name"
    );
    assert_eq!(dry.counts.create, n as u64 - per_500(3));
    assert_eq!(dry.counts.duplicates_in_file, per_500(1));
    let row_of = |i: usize| i as u64 + 2;
    let first: Vec<(u64, Option<String>, String, Severity)> = dry
        .issues
        .iter()
        .take(4)
        .map(|i| (i.row, i.column.clone(), i.code.clone(), i.severity))
        .collect();
    assert_eq!(
        first,
        vec![
            (
                row_of(7),
                Some("B".into()),
                "invalid".into(),
                Severity::Error
            ),
            (
                row_of(8),
                Some("A".into()),
                "required".into(),
                Severity::Error
            ),
            (
                row_of(9),
                Some("C".into()),
                "extra_cell".into(),
                Severity::Warning
            ),
            (
                row_of(9),
                Some("A".into()),
                "duplicate_in_file".into(),
                Severity::Error
            ),
        ]
    );
    assert_eq!(dry.issues[1].message, "The note's name is required.");
    assert!(f.notes().is_empty(), "a dry run writes nothing");

    let done = f.commit(&r, ImportOptions::default());
    assert_eq!(
        (done.rows_done, done.created, done.skipped),
        (n as u64, dry.counts.create, dry.counts.errors)
    );
    assert_eq!(done.last_row, row_of(n - 1));
    assert_eq!(f.notes().len() as u64, dry.counts.create);
    assert_eq!(f.notes()["n10"], "text 10");
    // The report holds what the dry run listed, row for row.
    let stored =
        f.k.store
            .read(|tx| stored_issues(tx, r.id, 0, done.issues_stored))
            .unwrap();
    let stored: Vec<(u64, String)> = stored.iter().map(|i| (i.row, i.code.clone())).collect();
    let listed: Vec<(u64, String)> = dry.issues.iter().map(|i| (i.row, i.code.clone())).collect();
    assert_eq!(stored, listed);

    // The same file again: every row exists now.
    let again = f.upload(&csv);
    let dry = f.dry_run(&again, ImportOptions::default()).unwrap();
    let c = &dry.counts;
    assert_eq!(
        (c.create, c.errors, c.duplicates_in_db),
        (0, n as u64, n as u64 - per_500(2))
    );

    // The revert takes the first import's notes away again.
    super::revert::run::<Notes>(&Arc::downgrade(&f.k), &f.p, r.id, done.last_row).unwrap();
    assert!(f.notes().is_empty());
    let reverted = f.k.store.read(|tx| progress(tx, r.id)).unwrap();
    assert_eq!(reverted.reverted, done.created);
}

#[test]
fn upserts_match_by_the_kinds_key_and_revert_to_the_values_before() {
    let f = Fixture::new();
    let first = f.upload("name,text\na,one\nb,two\n");
    f.commit(&first, ImportOptions::default());
    let second = f.upload("name,text\nb,zwei\nc,drei\nb,again\n");
    let upsert = ImportOptions {
        mode: Mode::Upsert,
        ..Default::default()
    };
    let dry = f.dry_run(&second, upsert.clone()).unwrap();
    assert_eq!(
        (dry.counts.create, dry.counts.update, dry.counts.errors),
        (1, 1, 1)
    );
    assert_eq!(dry.issues[0].code, "duplicate_in_file");
    assert!(
        dry.issues[0].message.ends_with("as row 2."),
        "{}",
        dry.issues[0].message
    );
    let update = ImportOptions {
        mode: Mode::Update,
        ..Default::default()
    };
    let only = f.dry_run(&second, update).unwrap();
    assert_eq!(only.issues[0].code, "not_found");
    assert!(only.issues[0].message.starts_with("No note has this"));
    let progress = f.commit(&second, upsert);
    assert_eq!((progress.created, progress.updated), (1, 1));
    assert_eq!(f.notes()["b"], "zwei");
    super::revert::run::<Notes>(&Arc::downgrade(&f.k), &f.p, second.id, progress.last_row).unwrap();
    let notes = f.notes();
    assert_eq!((notes["b"].as_str(), notes.get("c")), ("two", None));
}

#[test]
fn mappings_are_checked_against_the_kinds_columns() {
    let f = Fixture::new();
    let r = f.upload("name,text,cost\na,one,3\n");
    let field = |o: ImportOptions| f.dry_run(&r, o).err().and_then(|e| e.field);
    // A required column left out; a column of another kind; a kind without owners.
    assert_eq!(
        field(mapped(&[None, Some("text"), None])).as_deref(),
        Some("mapping")
    );
    let e = f
        .dry_run(&r, mapped(&[None, Some("text"), None]))
        .unwrap_err();
    assert_eq!(e.msg.en, "Choose the column that holds the note's name.");
    assert_eq!(
        field(mapped(&[Some("name"), Some("country"), None])).as_deref(),
        Some("mapping[1]")
    );
    assert_eq!(
        field(mapped(&[Some("name"), Some("custom:x"), None])).as_deref(),
        Some("mapping[1]"),
        "notes have no custom fields"
    );
    let pool = ImportOptions {
        default_owner: Some(DefaultOwnerInput {
            pool: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(field(pool).as_deref(), Some("default_owner"));
    // The hidden column: suggested and imported for whoever may see it, refused otherwise.
    let dry = f.dry_run(&r, ImportOptions::default()).unwrap();
    assert_eq!(dry.mapping[2].as_deref(), Some("cost"));
    let mut rep = f.p.clone();
    rep.perms.hidden_fields.push("cost".into());
    let refused = f.k.store.read(|tx| {
        let o = mapped(&[Some("name"), None, Some("cost")]);
        resolve(tx, &rep, Scope::All, &NOTES, &r.data, o)
    });
    let e = refused.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("forbidden", Some("mapping[2]"))
    );
    let suggested =
        f.k.store
            .read(|tx| {
                resolve(
                    tx,
                    &rep,
                    Scope::All,
                    &NOTES,
                    &r.data,
                    ImportOptions::default(),
                )
            })
            .unwrap();
    assert_eq!(
        suggested.mapping[2], None,
        "not suggested to whom it is hidden"
    );
}

#[test]
fn a_commit_that_stopped_continues_after_its_last_batch() {
    let f = Fixture::new();
    let n = BATCH * 2 + 500;
    let mut csv = String::from("name,text\n");
    for i in 0..n {
        match i {
            1500 => csv.push_str("n1500,crash\n"),
            // The same name as a row of the first batch, which the stopped commit wrote.
            2200 => csv.push_str("n100,again\n"),
            _ => csv.push_str(&format!("n{i},text {i}\n")),
        }
    }
    let r = f.upload(&csv);
    let dry = f.dry_run(&r, ImportOptions::default()).unwrap();
    assert_eq!((dry.counts.create, dry.counts.errors), (n as u64 - 1, 1));
    // The second batch fails: the first stays written, the second not at all.
    assert!(f.try_commit(&r, ImportOptions::default()).is_err());
    let stopped = f.k.store.read(|tx| progress(tx, r.id)).unwrap();
    assert_eq!(
        (stopped.created, stopped.last_row),
        (BATCH as u64, BATCH as u64 + 1)
    );
    assert_eq!(f.notes().len(), BATCH);
    CRASH.store(false, Ordering::Relaxed);
    let done = f.resume(&r).unwrap();
    assert_eq!(
        (done.rows_done, done.created, done.skipped),
        (n as u64, dry.counts.create, 1)
    );
    // The written rows still counted as earlier rows: the repeated name is refused as the dry
    // run said.
    let issues =
        f.k.store
            .read(|tx| stored_issues(tx, r.id, 0, done.issues_stored))
            .unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(
        (issues[0].row, issues[0].code.as_str()),
        (2202, "duplicate_in_file")
    );
    assert_eq!(f.notes().len(), n - 1);
}
