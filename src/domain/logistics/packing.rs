//! Cartons, weights and volume of a shipment line from the product's packing data
//! (`sales::products::Packing`): cartons are rounded up, the last one may be part-full (and
//! says so), the net weight follows the units, the gross weight adds each carton's tare
//! (a full carton's gross − net), and the volume is cartons × one carton's CBM.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::domain::sales::products::Packing;

/// What a line takes up. Every figure is `None` when the packing data lacks what it needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Packed {
    pub cartons: Option<u32>,
    pub units_per_carton: Option<u32>,
    /// Units in the last carton when it is not full (`None`: every carton is full).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub last_carton_units: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub gross_kg: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub net_kg: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub cbm: Option<Decimal>,
}

fn two(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Packs `quantity` units as `packing` says.
pub fn pack(quantity: Decimal, packing: &Packing) -> Packed {
    let Some(per) = packing.units_per_carton.filter(|u| *u > 0) else {
        return Packed::default();
    };
    let per_d = Decimal::from(per);
    let cartons_d = (quantity / per_d).ceil();
    let cartons = u32::try_from(cartons_d.mantissa() / 10i128.pow(cartons_d.scale())).ok();
    let last = quantity - (cartons_d - Decimal::ONE) * per_d;
    let last_carton_units = (cartons_d > Decimal::ZERO && last != per_d).then(|| last.normalize());
    let net = packing.net_kg.map(|n| two(n * quantity / per_d));
    let gross = match (packing.gross_kg, packing.net_kg) {
        (Some(g), Some(n)) => Some(two(n * quantity / per_d + (g - n) * cartons_d)),
        (Some(g), None) => Some(two(g * cartons_d)),
        _ => None,
    };
    Packed {
        cartons,
        units_per_carton: Some(per),
        last_carton_units,
        gross_kg: gross,
        net_kg: net,
        cbm: packing.cbm().map(|c| (c * cartons_d).normalize()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn packing(per: Option<u32>, gross: Option<Decimal>, net: Option<Decimal>) -> Packing {
        Packing {
            units_per_carton: per,
            carton_cm: Some([d("50"), d("40"), d("30")]),
            gross_kg: gross,
            net_kg: net,
        }
    }

    /// (quantity, units per carton, gross, net) → (cartons, last carton, gross, net, CBM).
    #[test]
    fn cartons_round_up_and_the_last_one_says_it_is_part_full() {
        type Row = (
            Decimal,
            Option<u32>,
            Option<Decimal>,
            Option<Decimal>,
            (
                Option<u32>,
                Option<Decimal>,
                Option<Decimal>,
                Option<Decimal>,
                Option<Decimal>,
            ),
        );
        let table: [Row; 6] = [
            // 500 at 50 a carton: 10 full cartons, 0.06 m³ each.
            (
                d("500"),
                Some(50),
                Some(d("12.5")),
                Some(d("11")),
                (
                    Some(10),
                    None,
                    Some(d("125")),
                    Some(d("110")),
                    Some(d("0.6")),
                ),
            ),
            // 510: 11 cartons, the last holds 10; net 112.2, tare 1.5 × 11.
            (
                d("510"),
                Some(50),
                Some(d("12.5")),
                Some(d("11")),
                (
                    Some(11),
                    Some(d("10")),
                    Some(d("128.7")),
                    Some(d("112.2")),
                    Some(d("0.66")),
                ),
            ),
            // fewer than one carton
            (
                d("7"),
                Some(50),
                Some(d("12.5")),
                Some(d("11")),
                (
                    Some(1),
                    Some(d("7")),
                    Some(d("3.04")),
                    Some(d("1.54")),
                    Some(d("0.06")),
                ),
            ),
            // only a gross weight: per carton
            (
                d("120"),
                Some(50),
                Some(d("10")),
                None,
                (Some(3), Some(d("20")), Some(d("30")), None, Some(d("0.18"))),
            ),
            // no packing: nothing computed
            (
                d("120"),
                None,
                Some(d("10")),
                None,
                (None, None, None, None, None),
            ),
            (
                d("120"),
                Some(0),
                None,
                None,
                (None, None, None, None, None),
            ),
        ];
        for (q, per, g, n, want) in table {
            let got = pack(q, &packing(per, g, n));
            let got = (
                got.cartons,
                got.last_carton_units,
                got.gross_kg,
                got.net_kg,
                got.cbm,
            );
            assert_eq!(got, want, "{q} at {per:?}");
        }
    }
}
