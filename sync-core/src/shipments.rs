//! Shipments: a BigCommerce shipment becomes OR23 tracking, then OR24 once the order is fully
//! shipped (or at the first shipment when `ship_on_partial`).

use crate::orders::open_quantity;
use crate::rules::ShipmentRules;
use crate::types::ShopSku;
use bigcommerce_api::orders::{OrderProduct, Shipment};
use mirakl_api::orders::{Order, OrderState, Tracking};
use mirakl_api::shipments::st01::{ShipmentLines, Tracking as ShipmentsTracking};
use std::collections::BTreeMap;

/// Built-in carrier names and tracking URL templates (`{tracking}` is replaced), keyed by
/// BigCommerce `shipping_provider` values and AfterShip slugs (`tracking_carrier`). Used only
/// for carriers without a Mirakl code in the rules; the shipment's own tracking link wins.
const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "aramex-au",
        "Aramex",
        "https://www.aramex.com.au/tools/track?l={tracking}",
    ),
    (
        "australia-post",
        "Australia Post",
        "https://auspost.com.au/mypost/track/details/{tracking}",
    ),
    (
        "auspost",
        "Australia Post",
        "https://auspost.com.au/mypost/track/details/{tracking}",
    ),
    (
        "canada-post",
        "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={tracking}",
    ),
    (
        "canadapost",
        "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={tracking}",
    ),
    (
        "couriers-please",
        "CouriersPlease",
        "https://www.couriersplease.com.au/tools-track/no/{tracking}",
    ),
    (
        "dhl",
        "DHL",
        "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking}",
    ),
    (
        "fedex",
        "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={tracking}",
    ),
    (
        "new-zealand-post",
        "NZ Post",
        "https://www.nzpost.co.nz/tools/tracking/item/{tracking}",
    ),
    (
        "royal-mail",
        "Royal Mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}",
    ),
    (
        "royalmail",
        "Royal Mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}",
    ),
    (
        "startrack",
        "StarTrack",
        "https://startrack.com.au/track/details/{tracking}",
    ),
    (
        "tnt",
        "TNT",
        "https://www.tnt.com/express/en_au/site/shipping-tools/tracking.html?cons={tracking}",
    ),
    (
        "ups",
        "UPS",
        "https://www.ups.com/track?tracknum={tracking}",
    ),
    (
        "upsonline",
        "UPS",
        "https://www.ups.com/track?tracknum={tracking}",
    ),
    (
        "upsready",
        "UPS",
        "https://www.ups.com/track?tracknum={tracking}",
    ),
    (
        "usps",
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
    ),
];

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The OR23 body for a BigCommerce shipment: the Mirakl `carrier_code` when the rules map the
/// shipment's `tracking_carrier` / `shipping_provider` / provider display name (lower-case) to
/// one, else `carrier_name` + `carrier_url` (the shipment's tracking link, else the built-in
/// template). `None` when the shipment has no tracking number.
pub fn tracking(shipment: &Shipment, rules: &ShipmentRules) -> Option<Tracking> {
    let number = non_empty(&shipment.tracking_number)?.to_owned();
    let keys: Vec<String> = [
        &shipment.tracking_carrier,
        &shipment.shipping_provider,
        &shipment.shipping_provider_display_name,
    ]
    .into_iter()
    .filter_map(non_empty)
    .map(str::to_lowercase)
    .collect();
    if let Some(code) = keys.iter().find_map(|k| rules.carriers.get(k)) {
        return Some(Tracking {
            carrier_code: Some(code.clone()),
            carrier_name: None,
            carrier_standard_code: None,
            carrier_url: None,
            tracking_number: Some(number),
        });
    }
    let builtin = if rules.builtin_carriers {
        keys.iter().find_map(|k| BUILTIN.iter().find(|b| b.0 == k))
    } else {
        None
    };
    let name = non_empty(&shipment.shipping_provider_display_name)
        .map(str::to_owned)
        .or_else(|| builtin.map(|b| b.1.to_owned()))
        .or_else(|| non_empty(&shipment.tracking_carrier).map(str::to_owned))
        .or_else(|| non_empty(&shipment.shipping_provider).map(str::to_owned))
        .or_else(|| non_empty(&shipment.shipping_method).map(str::to_owned));
    let url = non_empty(&shipment.tracking_link)
        .or_else(|| non_empty(&shipment.generated_tracking_link))
        .map(str::to_owned)
        .or_else(|| builtin.map(|b| b.2.replace("{tracking}", &number)));
    Some(Tracking {
        carrier_code: None,
        carrier_name: name,
        carrier_standard_code: None,
        carrier_url: url,
        tracking_number: Some(number),
    })
}

/// How much of a Mirakl order the BigCommerce shipments cover.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// Units to ship per SKU (open quantity of live lines).
    pub ordered: BTreeMap<ShopSku, u64>,
    /// Units shipped per SKU (BigCommerce shipment items, matched by order product SKU).
    pub shipped: BTreeMap<ShopSku, u64>,
}

impl Progress {
    /// Every unit shipped.
    pub fn complete(&self) -> bool {
        !self.ordered.is_empty()
            && self
                .ordered
                .iter()
                .all(|(k, q)| self.shipped.get(k).copied().unwrap_or(0) >= *q)
    }
    /// Some units shipped.
    pub fn started(&self) -> bool {
        self.shipped.values().any(|q| *q > 0)
    }
}

/// Computes shipping progress from the BigCommerce order products and shipments.
pub fn progress(order: &Order, products: &[OrderProduct], shipments: &[Shipment]) -> Progress {
    let mut p = Progress::default();
    for l in &order.order_lines {
        if matches!(
            l.order_line_state,
            OrderState::Refused | OrderState::Canceled
        ) {
            continue;
        }
        let q = open_quantity(l);
        if q > 0 {
            let e = p.ordered.entry(l.offer_sku.clone()).or_default();
            *e = e.saturating_add(q);
        }
    }
    let sku_of: BTreeMap<u64, ShopSku> = products
        .iter()
        .filter_map(|op| {
            op.sku
                .as_deref()
                .and_then(|s| crate::types::shop_sku(s).ok())
                .map(|s| (op.id, s))
        })
        .collect();
    for s in shipments {
        for it in &s.items {
            if let Some(sku) = sku_of.get(&it.order_product_id) {
                let e = p.shipped.entry(sku.clone()).or_default();
                *e = e.saturating_add(it.quantity);
            }
        }
    }
    p
}

/// The shipment to report to Mirakl: the latest one with a tracking number (by creation date,
/// then id).
pub fn latest_tracked(shipments: &[Shipment]) -> Option<&Shipment> {
    shipments
        .iter()
        .filter(|s| non_empty(&s.tracking_number).is_some())
        .max_by(|a, b| {
            a.date_created
                .cmp(&b.date_created)
                .then_with(|| a.id.cmp(&b.id))
        })
}

/// The `package_reference` a BigCommerce shipment's lines carry in its Mirakl shipment (ST01):
/// it names the BigCommerce shipment, so a shipment created before a crash is found again in
/// ST11 and never sent twice.
pub fn package_reference(bigcommerce_shipment_id: u64) -> String {
    format!("bigcommerce-shipment-{bigcommerce_shipment_id}")
}

/// The BigCommerce shipment a Mirakl shipment was made from: the id one of its lines'
/// `package_reference` names ([`package_reference`]), if any.
pub fn bigcommerce_shipment_of<'a>(
    package_references: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<u64> {
    package_references
        .into_iter()
        .find_map(|r| r?.strip_prefix("bigcommerce-shipment-")?.parse().ok())
}

/// The ST01 tracking for a BigCommerce shipment: the OR23 tracking of [`tracking`] (carrier
/// code, else name and URL) in the shipment's shape.
pub fn shipment_tracking(shipment: &Shipment, rules: &ShipmentRules) -> Option<ShipmentsTracking> {
    tracking(shipment, rules).map(|t| ShipmentsTracking {
        carrier_code: t.carrier_code,
        carrier_name: t.carrier_name,
        carrier_standard_code: t.carrier_standard_code,
        tracking_number: t.tracking_number,
        tracking_url: t.carrier_url,
        ..ShipmentsTracking::default()
    })
}

/// Each BigCommerce shipment's Mirakl order lines and quantities (multi-shipment, ST01): the
/// items are matched to order lines by SKU, units spread over the live lines of that SKU in
/// line order, and the shipments taken in id order so the split is the same on every run.
/// Units beyond what the lines have left, or of a product the order does not hold, are
/// dropped (and named in the second part of the answer).
pub fn split(
    order: &Order,
    products: &[OrderProduct],
    shipments: &[Shipment],
) -> (BTreeMap<u64, Vec<ShipmentLines>>, Vec<String>) {
    let sku_of: BTreeMap<u64, ShopSku> = products
        .iter()
        .filter_map(|op| {
            op.sku
                .as_deref()
                .and_then(|s| crate::types::shop_sku(s).ok())
                .map(|s| (op.id, s))
        })
        .collect();
    let mut left: Vec<(&str, &ShopSku, u64)> = order
        .order_lines
        .iter()
        .filter(|l| {
            !matches!(
                l.order_line_state,
                OrderState::Refused | OrderState::Canceled
            )
        })
        .map(|l| (l.order_line_id.as_str(), &l.offer_sku, open_quantity(l)))
        .collect();
    let mut sorted: Vec<&Shipment> = shipments.iter().collect();
    sorted.sort_by_key(|s| s.id.0);
    let mut out = BTreeMap::new();
    let mut dropped = Vec::new();
    for s in sorted {
        let mut lines: Vec<ShipmentLines> = Vec::new();
        for item in &s.items {
            let Some(sku) = sku_of.get(&item.order_product_id) else {
                dropped.push(format!(
                    "BigCommerce shipment {}: order product {} has no SKU of the Mirakl order",
                    s.id.0, item.order_product_id
                ));
                continue;
            };
            let mut want = item.quantity;
            for (line_id, line_sku, units) in left.iter_mut() {
                if want == 0 {
                    break;
                }
                if *line_sku != sku || *units == 0 {
                    continue;
                }
                let take = want.min(*units);
                *units -= take;
                want -= take;
                match lines
                    .iter_mut()
                    .find(|l| l.order_line_id.as_deref() == Some(*line_id))
                {
                    Some(l) => l.quantity += i64::try_from(take).unwrap_or(i64::MAX),
                    None => lines.push(ShipmentLines {
                        order_line_id: Some((*line_id).to_owned()),
                        package_reference: Some(package_reference(s.id.0)),
                        quantity: i64::try_from(take).unwrap_or(i64::MAX),
                        ..ShipmentLines::default()
                    }),
                }
            }
            if want > 0 {
                dropped.push(format!(
                    "BigCommerce shipment {}: {want} unit(s) of {sku} beyond the Mirakl order lines",
                    s.id.0
                ));
            }
        }
        if !lines.is_empty() {
            out.insert(s.id.0, lines);
        }
    }
    (out, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::tests::{line, order, waiting};
    use bigcommerce_api::orders::{ShipmentId, ShipmentItem};

    fn shipment(id: u64, number: Option<&str>, provider: &str, carrier: &str) -> Shipment {
        Shipment {
            id: ShipmentId(id),
            tracking_number: number.map(Into::into),
            shipping_provider: Some(provider.into()),
            tracking_carrier: Some(carrier.into()),
            ..Shipment::default()
        }
    }

    #[test]
    fn carrier_code_from_rules_else_name_and_url() {
        let mut rules = ShipmentRules::default();
        rules
            .carriers
            .insert("auspost".into(), "AUSPOST-CODE".into());
        let t = tracking(&shipment(1, Some("AB123"), "auspost", ""), &rules).unwrap();
        assert_eq!(
            (t.carrier_code.as_deref(), t.tracking_number.as_deref()),
            (Some("AUSPOST-CODE"), Some("AB123"))
        );
        assert_eq!(t.carrier_name, None);
        // no code: built-in name + URL template
        let t = tracking(
            &shipment(1, Some("ST9"), "", "startrack"),
            &ShipmentRules::default(),
        )
        .unwrap();
        assert_eq!(t.carrier_code, None);
        assert_eq!(t.carrier_name.as_deref(), Some("StarTrack"));
        assert_eq!(
            t.carrier_url.as_deref(),
            Some("https://startrack.com.au/track/details/ST9")
        );
        // the shipment's own link and display name win
        let mut s = shipment(1, Some("X1"), "", "my-courier");
        s.tracking_link = Some("https://track.example/X1".into());
        s.shipping_provider_display_name = Some("My Courier".into());
        let t = tracking(&s, &ShipmentRules::default()).unwrap();
        assert_eq!(
            (t.carrier_name.as_deref(), t.carrier_url.as_deref()),
            (Some("My Courier"), Some("https://track.example/X1"))
        );
        // unknown carrier without link: name only
        let t = tracking(
            &shipment(1, Some("Z"), "", "pigeon"),
            &ShipmentRules::default(),
        )
        .unwrap();
        assert_eq!(
            (t.carrier_name.as_deref(), t.carrier_url),
            (Some("pigeon"), None)
        );
        assert_eq!(tracking(&shipment(1, None, "auspost", ""), &rules), None);
        assert_eq!(
            tracking(&shipment(1, Some("  "), "auspost", ""), &rules),
            None
        );
    }

    #[test]
    fn partial_and_complete_progress() {
        let mut v = waiting(
            "P1",
            vec![
                line("P1-1", 1, "S1", 2, "10"),
                line("P1-2", 2, "S2", 1, "10"),
            ],
        );
        v["order_state"] = serde_json::json!("SHIPPING");
        let o = order(v);
        let products = vec![
            OrderProduct {
                id: 501,
                sku: Some("S1".into()),
                quantity: 2,
                ..OrderProduct::default()
            },
            OrderProduct {
                id: 502,
                sku: Some("S2".into()),
                quantity: 1,
                ..OrderProduct::default()
            },
        ];
        let mut s1 = shipment(1, Some("T1"), "auspost", "");
        s1.items = vec![ShipmentItem::new(501, 2)];
        let p = progress(&o, &products, std::slice::from_ref(&s1));
        assert!(p.started() && !p.complete());
        let mut s2 = shipment(2, Some("T2"), "auspost", "");
        s2.items = vec![ShipmentItem::new(502, 1)];
        let both = [s1, s2];
        assert!(progress(&o, &products, &both).complete());
        assert_eq!(latest_tracked(&both).unwrap().id, ShipmentId(2));
        assert!(!progress(&o, &products, &[]).started());
    }
}
