//! Planning 100k and 1M SKUs versus decoding the same offers from Mirakl JSON (OF21 shape).
//!
//! Run: `cargo bench -p sync-core --bench plan`.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mirakl_api::offers::Offer;
use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::Duration;
use sync_core::convert::current_offers;
use sync_core::offers::{CurrentOffer, DesiredOffer};
use sync_core::plan::plan;
use sync_core::rules::SyncRules;
use sync_core::{CatalogRef, ShopSku};

/// `n` offers as Mirakl OF21 returns them (one JSON array).
fn offers_json(n: usize) -> String {
    let mut s = String::with_capacity(n * 420);
    s.push('[');
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let price = 10 + (i % 90);
        s.push_str(&format!(
            r#"{{"offer_id":{i},"shop_sku":"SKU-{i:07}","product_sku":"P{i}","product_title":"Product {i}","quantity":{q},"price":{price}.95,"total_price":{price}.95,"active":true,"state_code":"11","leadtime_to_ship":2,"logistic_class":{{"code":"M","label":"Medium"}},"currency_iso_code":"AUD","all_prices":[{{"channel_code":null,"price":{price}.95,"unit_origin_price":{price}.95,"volume_prices":[]}}],"inactivity_reasons":[],"channels":[]}}"#,
            q = i % 50
        ));
    }
    s.push(']');
    s
}

/// Desired offers equal to the current ones except every 10th SKU (stock) and every 25th
/// (price), plus 1% new SKUs.
fn desired_from(current: &BTreeMap<ShopSku, CurrentOffer>) -> BTreeMap<ShopSku, DesiredOffer> {
    let mut out: BTreeMap<ShopSku, DesiredOffer> = current
        .values()
        .enumerate()
        .map(|(i, c)| {
            let mut content = c.content.clone();
            if i % 10 == 0 {
                content.quantity += 1;
            }
            if i % 25 == 0 {
                content.price += rust_decimal::Decimal::ONE;
            }
            let o = DesiredOffer {
                shop_sku: c.shop_sku.clone(),
                product_id: c.product_id.clone(),
                product_id_type: c.product_id_type.clone(),
                source: CatalogRef {
                    product_id: i as u64,
                    variant_id: None,
                },
                content,
            };
            (c.shop_sku.clone(), o)
        })
        .collect();
    let extra: Vec<DesiredOffer> = out.values().step_by(100).cloned().collect();
    for mut o in extra {
        o.shop_sku = ShopSku::new(format!("NEW-{}", o.shop_sku)).unwrap();
        out.insert(o.shop_sku.clone(), o);
    }
    out
}

fn bench(c: &mut Criterion) {
    let rules = SyncRules::default();
    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for n in [100_000usize, 1_000_000] {
        let json = offers_json(n);
        let decoded: Vec<Offer> = serde_json::from_str(&json).unwrap();
        let current = current_offers(&decoded, &rules.offer);
        assert_eq!(current.len(), n);
        let desired = desired_from(&current);
        drop(decoded);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("decode_offers_json/{n}"), |b| {
            b.iter_batched(
                || (),
                |()| black_box(serde_json::from_str::<Vec<Offer>>(black_box(&json)).unwrap()),
                BatchSize::PerIteration,
            )
        });
        let keep = BTreeSet::new();
        group.bench_function(format!("plan/{n}"), |b| {
            b.iter_batched(
                || (),
                |()| {
                    black_box(plan(
                        black_box(&desired),
                        black_box(&current),
                        &keep,
                        &rules.plan,
                    ))
                },
                BatchSize::PerIteration,
            )
        });
        let p = plan(&desired, &current, &keep, &rules.plan);
        assert_eq!(p.new.len(), n / 100);
        group.bench_function(format!("plan_and_batch/{n}"), |b| {
            b.iter(|| black_box(plan(&desired, &current, &keep, &rules.plan).batches(&rules.plan)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
