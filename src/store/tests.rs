//! Store tests on small entities declared here: migrations, indexes, recycle bin, audit,
//! outbox, group commit, backup and the consistency check.

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct ThingV1 {
    name: String,
}

impl Entity for ThingV1 {
    const KIND: &'static str = "thing";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::unique("name", "name", |t: &ThingV1| {
            vec![IndexKey::new().str(&t.name)]
        })]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
}

/// Version 2 of the same kind: a new field, and the name index now lower-cased.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct ThingV2 {
    name: String,
    owner: Option<u64>,
}

impl Entity for ThingV2 {
    const KIND: &'static str = "thing";
    const SCHEMA_VERSION: u16 = 2;
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::unique("name", "name", |t: &ThingV2| {
                vec![IndexKey::new().str(&t.name.to_lowercase())]
            }),
            IndexDef::many("owner", |t: &ThingV2| {
                t.owner.iter().map(|o| IndexKey::new().u64(*o)).collect()
            }),
        ]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner
    }
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, StoreError> {
        match from {
            1 => {
                let old: ThingV1 = decode(payload)?;
                Ok(ThingV2 {
                    name: old.name,
                    owner: Some(7),
                })
            }
            v => Err(StoreError::Corrupt(format!("thing schema {v}"))),
        }
    }
}

fn open<T: Entity>(dir: &std::path::Path) -> Store {
    Store::open(
        &dir.join("kontor.redb"),
        Registry::new().with::<T>(),
        OpenOptions {
            verify: true,
            backup_dir: Some(dir.join("backups")),
            ..OpenOptions::default()
        },
    )
    .expect("open")
}

fn insert(store: &Store, name: &str) -> StoreResult<Record<ThingV1>> {
    let name = name.to_string();
    store.write(move |tx| tx.insert(&Actor::user(1), ThingV1 { name }))
}

#[test]
fn unique_keys_versions_and_recycle_bin() {
    let dir = tempfile::tempdir().unwrap();
    let store = open::<ThingV1>(dir.path());
    let a = insert(&store, "a").unwrap();
    assert_eq!((a.id, a.meta.version), (1, 1));
    assert!(matches!(
        insert(&store, "a"),
        Err(StoreError::Unique { .. })
    ));
    // A failed write leaves nothing behind: the id sequence did not move either.
    assert_eq!(insert(&store, "b").unwrap().id, 2);

    let stale = store.write(|tx| {
        tx.update::<ThingV1, StoreError>(&Actor::user(1), 1, Some(7), |t| {
            t.name = "x".into();
            Ok(())
        })
    });
    assert!(matches!(
        stale,
        Err(StoreError::VersionConflict { current: 1 })
    ));
    let same = store
        .write(|tx| tx.update::<ThingV1, StoreError>(&Actor::user(1), 1, Some(1), |_| Ok(())))
        .unwrap();
    assert_eq!(
        same.meta.version, 1,
        "a change that changes nothing keeps the version"
    );

    store
        .write(|tx| tx.delete::<ThingV1>(&Actor::user(2), 1, Some(1)))
        .unwrap();
    // The unique key is free while the record is in the bin …
    let a2 = insert(&store, "a").unwrap();
    // … so restoring the first one now conflicts, and nothing changes.
    assert!(matches!(
        store.write(|tx| tx.restore::<ThingV1>(&Actor::user(2), 1)),
        Err(StoreError::Unique { .. })
    ));
    store
        .write(move |tx| tx.delete::<ThingV1>(&Actor::user(2), a2.id, None))
        .unwrap();
    store
        .write(|tx| tx.restore::<ThingV1>(&Actor::user(2), 1))
        .unwrap();
    let bin = store.read(|tx| tx.trash(&|_, _| true, 0, 10)).unwrap();
    assert_eq!(
        bin.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![a2.id]
    );
    assert_eq!(bin.items[0].deleted_by, Some(2));
    let report = store.check().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // The live counter follows creates, deletes and restores; pages read newest first.
    assert_eq!(store.read(|tx| tx.count_live::<ThingV1>()).unwrap(), 2);
    let newest = store
        .read(|tx| tx.newest::<ThingV1>(&|_| true, 0, 10))
        .unwrap();
    assert_eq!(newest.iter().map(|r| r.id).collect::<Vec<_>>(), vec![2, 1]);
    let second = store
        .read(|tx| tx.newest::<ThingV1>(&|r| r.data.name != "b", 0, 10))
        .unwrap();
    assert_eq!(second.iter().map(|r| r.id).collect::<Vec<_>>(), vec![1]);
    // Skipping by envelope: the deleted record (a2) is neither counted nor returned.
    let ids = |offset, limit| {
        store
            .read(|tx| tx.newest_live::<ThingV1>(offset, limit))
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (ids(0, 10), ids(1, 10), ids(0, 1), ids(2, 10)),
        (vec![2, 1], vec![1], vec![2], vec![])
    );
}

#[test]
fn audit_records_field_diffs_and_outbox_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = open::<ThingV1>(dir.path());
    insert(&store, "old").unwrap();
    store
        .write(|tx| {
            tx.update::<ThingV1, StoreError>(&Actor::user(3), 1, Some(1), |t| {
                t.name = "new".into();
                Ok(())
            })
        })
        .unwrap();
    let log = store
        .read(|tx| tx.audit(Some(("thing", 1)), &|_| true, 0, 10))
        .unwrap();
    let (_, update) = &log.items[0];
    assert_eq!(update.action, "update");
    assert_eq!(update.user, Some(3));
    assert_eq!(
        update.changes,
        vec![Change {
            field: "name".into(),
            old: Some("\"old\"".into()),
            new: Some("\"new\"".into())
        }]
    );
    let outbox = store.read(|tx| tx.outbox_since(0, 10)).unwrap();
    assert_eq!(
        outbox
            .iter()
            .map(|(_, k, id)| (k.as_str(), *id))
            .collect::<Vec<_>>(),
        vec![("thing", 1), ("thing", 1)]
    );
    store.write(|tx| tx.outbox_trim(1)).unwrap();
    assert_eq!(store.read(|tx| tx.outbox_since(0, 10)).unwrap().len(), 1);
}

#[test]
fn concurrent_writers_are_grouped_and_all_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    {
        let store = open::<ThingV1>(&path);
        std::thread::scope(|s| {
            for t in 0..8 {
                let store = store.clone();
                s.spawn(move || {
                    for i in 0..50 {
                        insert(&store, &format!("t{t}-{i}")).unwrap();
                    }
                });
            }
        });
        // A failing job in the middle of a group does not disturb the others.
        assert!(insert(&store, "t0-0").is_err());
        store.close();
    }
    let store = open::<ThingV1>(&path);
    assert_eq!(store.read(|tx| tx.count_all::<ThingV1>()).unwrap(), 400);
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn migration_runs_after_a_backup_and_downgrade_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open::<ThingV1>(dir.path());
        insert(&store, "Alpha").unwrap();
        insert(&store, "Beta").unwrap();
        store.close();
    }
    {
        let store = open::<ThingV2>(dir.path());
        let alpha = store.read(|tx| tx.get_live::<ThingV2>(1)).unwrap();
        assert_eq!(
            alpha.data,
            ThingV2 {
                name: "Alpha".into(),
                owner: Some(7)
            }
        );
        // Indexes were rebuilt under the new declaration.
        let key = IndexKey::new().str("beta");
        assert_eq!(
            store
                .read(|tx| tx.find_unique::<ThingV2>("name", &key))
                .unwrap(),
            Some(2)
        );
        assert_eq!(
            store
                .read(|tx| tx.ids_by_index::<ThingV2>("owner", &IndexKey::new().u64(7), false))
                .unwrap(),
            vec![1, 2]
        );
        assert!(store.check().unwrap().problems.is_empty());
        let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .collect();
        assert_eq!(backups.len(), 1, "one automatic backup before migrating");
        store.close();
    }
    match Store::open(
        &dir.path().join("kontor.redb"),
        Registry::new().with::<ThingV1>(),
        OpenOptions::default(),
    ) {
        Err(OpenError::TooNew { .. }) => {}
        Err(e) => panic!("expected TooNew, got {e}"),
        Ok(_) => panic!("an older version opened newer data"),
    }
}

#[test]
fn backup_is_a_consistent_snapshot_that_restores() {
    let dir = tempfile::tempdir().unwrap();
    let store = open::<ThingV1>(dir.path());
    for i in 0..100 {
        insert(&store, &format!("n{i}")).unwrap();
    }
    let file = dir.path().join("b.tar");
    let summary = store.backup_to(&file, None).unwrap();
    assert!(summary.entries > 100);
    let target = dir.path().join("restored");
    restore_backup(&file, &target).unwrap();
    let restored = open::<ThingV1>(&target);
    assert_eq!(restored.read(|tx| tx.count_all::<ThingV1>()).unwrap(), 100);
    assert!(restored.check().unwrap().problems.is_empty());
    // Never over existing data.
    assert!(
        restore_backup(&file, &target)
            .unwrap_err()
            .contains("not empty")
    );
}

#[test]
fn damaged_file_is_refused_with_a_pointer_to_restore() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open::<ThingV1>(dir.path());
        for i in 0..2000 {
            insert(&store, &format!("some longer name to fill pages {i}")).unwrap();
        }
        store.close();
    }
    let path = dir.path().join("kontor.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 3..len / 3 + 4096] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, bytes).unwrap();
    match Store::open(
        &path,
        Registry::new().with::<ThingV1>(),
        OpenOptions::default(),
    ) {
        Err(e @ OpenError::Damaged { .. }) => {
            assert!(e.to_string().contains("kontor restore"), "{e}")
        }
        Err(e) => panic!("expected Damaged, got {e}"),
        Ok(store) => {
            // Only acceptable if the flipped bytes were in free space and every record reads.
            let report = store.check().unwrap();
            assert!(
                report.problems.is_empty()
                    && store.read(|tx| tx.count_all::<ThingV1>()).unwrap() == 2000
            );
        }
    }
}

#[test]
fn document_numbers_count_per_type_and_year_and_roll_back_with_their_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = open::<ThingV1>(dir.path());
    let n = |prefix: &'static str, year: i32| {
        store
            .write(move |tx| tx.next_document_number(prefix, year))
            .unwrap()
    };
    assert_eq!(n("QT", 2026), "QT-2026-0001");
    assert_eq!(n("QT", 2026), "QT-2026-0002");
    assert_eq!(n("SO", 2026), "SO-2026-0001");
    assert_eq!(n("QT", 2027), "QT-2027-0001");
    let failed: Result<(), StoreError> = store.write(|tx| {
        tx.next_document_number("QT", 2026)?;
        Err(StoreError::NotFound)
    });
    assert!(failed.is_err());
    assert_eq!(
        n("QT", 2026),
        "QT-2026-0003",
        "a failed transaction must not use up a number"
    );
}

/// A disk that loses power: writes land in the page cache; only `sync_data` makes them durable.
/// `crash()` returns what a machine would find on the disk after losing power at that moment.
#[derive(Debug, Default)]
struct PowerLossDisk {
    state: std::sync::Mutex<(Vec<u8>, Vec<u8>)>,
}

#[derive(Debug, Clone)]
struct SharedDisk(std::sync::Arc<PowerLossDisk>);

impl SharedDisk {
    fn from_durable(bytes: Vec<u8>) -> SharedDisk {
        SharedDisk(std::sync::Arc::new(PowerLossDisk {
            state: std::sync::Mutex::new((bytes.clone(), bytes)),
        }))
    }
    fn crash(&self) -> Vec<u8> {
        self.0.state.lock().unwrap().1.clone()
    }
}

impl redb::StorageBackend for SharedDisk {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.0.state.lock().unwrap().0.len() as u64)
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let state = self.0.state.lock().unwrap();
        let start = offset as usize;
        let bytes = state
            .0
            .get(start..start + out.len())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        out.copy_from_slice(bytes);
        Ok(())
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.0.state.lock().unwrap().0.resize(len as usize, 0);
        Ok(())
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        let mut state = self.0.state.lock().unwrap();
        state.1 = state.0.clone();
        Ok(())
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut state = self.0.state.lock().unwrap();
        let end = offset as usize + data.len();
        if state.0.len() < end {
            state.0.resize(end, 0);
        }
        state.0[offset as usize..end].copy_from_slice(data);
        Ok(())
    }
}

#[test]
fn power_loss_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("kontor.redb");
    let registry = || Registry::new().with::<ThingV1>();
    for cycle in 0..5u64 {
        let disk = SharedDisk::from_durable(Vec::new());
        let store =
            Store::open_with_backend(&name, disk.clone(), registry(), OpenOptions::default())
                .unwrap();
        // Writers with concurrency 8 log what was acknowledged; the power goes at some point.
        let acked = std::sync::Mutex::new(Vec::<(u64, u64, String)>::new());
        let stop = std::sync::atomic::AtomicBool::new(false);
        let image = std::thread::scope(|s| {
            for t in 0..8 {
                let (store, acked, stop) = (store.clone(), &acked, &stop);
                s.spawn(move || {
                    let mut i = 0;
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        let name = format!("c{cycle}-t{t}-{i}");
                        let r = insert(&store, &name).unwrap();
                        let renamed = format!("{name}-v2");
                        let n2 = renamed.clone();
                        let r2 = store
                            .write(move |tx| {
                                tx.update::<ThingV1, StoreError>(
                                    &Actor::user(1),
                                    r.id,
                                    Some(1),
                                    |x| {
                                        x.name = n2;
                                        Ok(())
                                    },
                                )
                            })
                            .unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .push((r2.id, r2.meta.version, renamed));
                        i += 1;
                    }
                });
            }
            // Crash only once some writes were acknowledged (a loaded machine may be slow), at a
            // moment that varies per cycle.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while acked.lock().unwrap().len() < 16 && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            std::thread::sleep(std::time::Duration::from_millis(5 + cycle * 15));
            // Everything acknowledged before this instant must be on the crashed disk.
            let before: Vec<_> = acked.lock().unwrap().clone();
            let image = disk.crash();
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            (before, image)
        });
        store.close();
        let (before, image) = image;
        assert!(
            !before.is_empty(),
            "cycle {cycle}: nothing was written before the crash"
        );
        let reopened = Store::open_with_backend(
            &name,
            SharedDisk::from_durable(image),
            registry(),
            OpenOptions::default(),
        )
        .unwrap();
        for (id, version, name) in &before {
            let r = reopened
                .read(|tx| tx.get_live::<ThingV1>(*id))
                .unwrap_or_else(|e| panic!("cycle {cycle}: acknowledged record {id} lost: {e}"));
            assert!(
                r.meta.version >= *version,
                "cycle {cycle}: record {id} went back to version {}",
                r.meta.version
            );
            if r.meta.version == *version {
                assert_eq!(&r.data.name, name);
            }
        }
        let report = reopened.check().unwrap();
        assert!(
            report.problems.is_empty(),
            "cycle {cycle}: {:?}",
            report.problems
        );
        reopened.close();
    }
}

/// A kind with a counted index: the group a thing belongs to (none for some).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Tally {
    group: Option<u64>,
}

impl Entity for Tally {
    const KIND: &'static str = "tally";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("group", |t: &Tally| {
                t.group.iter().map(|g| IndexKey::new().u64(*g)).collect()
            })
            .counted(),
        ]
    }
    fn title(&self) -> String {
        format!("{:?}", self.group)
    }
}

#[test]
fn counted_index_pages_and_totals_follow_inserts_moves_deletes_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let store = open::<Tally>(dir.path());
    // 3,000 records over several blocks of ids: group 1 for multiples of 3, else group 2,
    // except every 7th, which has none.
    store
        .write(|tx| {
            for i in 1..=3_000u64 {
                let group = (i % 7 != 0).then_some(if i % 3 == 0 { 1 } else { 2 });
                tx.insert(&Actor::system(), Tally { group })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    // Move some, delete some, restore one, purge one.
    store
        .write(|tx| {
            for id in (5..3_000).step_by(97) {
                tx.update::<Tally, StoreError>(&Actor::system(), id, None, |t| {
                    t.group = Some(1);
                    Ok(())
                })?;
            }
            for id in (10..3_000).step_by(50) {
                tx.delete::<Tally>(&Actor::system(), id, None)?;
            }
            tx.restore::<Tally>(&Actor::system(), 10)?;
            tx.purge::<Tally>(&Actor::system(), 60)?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    store
        .read(|tx| {
            for group in [1u64, 2, 3] {
                let key = IndexKey::new().u64(group);
                // What a walk over every live record says.
                let mut expected = Vec::new();
                tx.for_each::<Tally>(true, &mut |r| {
                    if r.data.group == Some(group) {
                        expected.push(r.id);
                    }
                    Ok(true)
                })?;
                assert_eq!(
                    tx.count_index::<Tally>("group", &key)?,
                    expected.len() as u64,
                    "total of group {group}"
                );
                for (offset, limit) in [(0, 20), (19, 20), (1_000, 25), (1_020, 30), (2_990, 20)] {
                    let page = tx.newest_ids_by_index::<Tally>("group", &key, offset, limit)?;
                    let want: Vec<u64> = expected
                        .iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .copied()
                        .collect();
                    assert_eq!(page, want, "group {group}, offset {offset}");
                }
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let report = store.check().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
