//! The ledger against its kept balances, on the store itself: 3,000 random moves (a
//! seeded PRNG, so a failure replays), refused ones included, and after every batch the
//! balances equal the sum of the ledger and nothing is negative.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::stock::{MoveType, StockMove, balance, ledger_sum, post, verify};
use crate::error::AppError;
use crate::store::{Actor, OpenOptions, Store};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[test]
fn balances_are_the_sum_of_the_ledger_after_thousands_of_random_moves() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &dir.path().join("kontor.redb"),
        crate::domain::registry(),
        OpenOptions::default(),
    )
    .unwrap();
    let mut rng = Rng(0x0dd_ba11_5eed);
    let (mut accepted, mut refused) = (0u32, 0u32);
    for batch in 0..12 {
        let mut moves = Vec::new();
        for _ in 0..250 {
            let t = match rng.below(8) {
                0 | 1 => MoveType::Receipt,
                2 => MoveType::Shipment,
                3 => MoveType::Adjustment,
                4 => MoveType::TransferOut,
                5 => MoveType::TransferIn,
                6 => MoveType::Reserve,
                _ => MoveType::Release,
            };
            let w = 1 + rng.below(3);
            moves.push(StockMove {
                move_type: t,
                product_id: 1 + rng.below(4),
                warehouse_id: w,
                to_warehouse_id: (t == MoveType::TransferOut).then_some(1 + (w % 3)),
                quantity: Decimal::new(1 + rng.below(5000) as i64, 2),
                outward: rng.below(2) == 0,
                source: None,
                date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                note: None,
            });
        }
        // One transaction per move: a refused one writes nothing.
        for m in moves {
            let r = store.write(move |tx| post(tx, &Actor::user(1), "", m).map(|_| ()));
            match r {
                Ok(()) => accepted += 1,
                Err(AppError { code, .. }) => {
                    assert_eq!(code, crate::error::ErrorCode::Conflict);
                    refused += 1;
                }
            }
        }
        let problems = store.read(verify).unwrap();
        assert_eq!(problems, Vec::<String>::new(), "after batch {batch}");
    }
    assert!(
        accepted > 1000 && refused > 100,
        "{accepted} accepted, {refused} refused"
    );
    store
        .read(|tx| {
            for ((p, w), sum) in ledger_sum(tx)? {
                let kept = balance(tx, p, w)?;
                assert_eq!(kept, sum);
                assert!(kept.on_hand >= Decimal::ZERO && kept.available() >= Decimal::ZERO);
                assert!(kept.reserved >= Decimal::ZERO && kept.in_transit >= Decimal::ZERO);
            }
            Ok::<_, AppError>(())
        })
        .unwrap();
}
