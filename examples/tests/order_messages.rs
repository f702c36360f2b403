#![cfg(feature = "demo")]
//! Customer messages on marketplace orders reach the BigCommerce order's staff notes once
//! each, and the seller's reply reaches the customer on Mirakl. Threads, M11 filters and the
//! M12/OR43 bodies follow `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`.

mod order_support;

use std::time::Duration;

use examples::demo::{demo_rules, sandbox_clients, sandbox_engine_options};
use order_support::{
    accept_and_create, assert_no_violations, back_office, place, poll, skus, start,
};
use rust_decimal::Decimal;
use sync_connector::messages::{MessageOptions, message_tag};
use sync_connector::{Connector, ConnectorOptions};
use sync_sandbox::mirakl::{MiraklConfig, Sender};

/// A connector over the same sandboxes and store whose M11 poll is always due.
fn connector(sides: &order_support::Sides) -> Connector {
    let (bcc, mkc) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    Connector::new(
        bcc,
        mkc,
        sides.store.clone(),
        demo_rules(1),
        ConnectorOptions {
            messages: MessageOptions {
                poll: Duration::ZERO,
                ..MessageOptions::default()
            },
            ..sandbox_engine_options(1)
        },
    )
}

fn staff_notes(sides: &order_support::Sides, bc_order: u64) -> String {
    sides.bc.order_json(bc_order).unwrap()["staff_notes"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_message_appears_once_and_a_reply_reaches_mirakl() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    let bc_order = accept_and_create(&sides, &id).await;
    let before = staff_notes(&sides, bc_order);
    assert!(!before.is_empty(), "the create wrote its own staff notes");

    let office = back_office(&sides);
    let thread = office
        .customer_opens_thread(&id, "Delivery date", "Can it arrive before Friday?")
        .unwrap();
    let engine = connector(&sides);
    assert_eq!(engine.messages().step().await.unwrap(), 1);
    let notes = staff_notes(&sides, bc_order);
    assert!(
        notes.starts_with(&before),
        "the existing notes are kept: {notes}"
    );
    assert_eq!(
        notes.matches("Can it arrive before Friday?").count(),
        1,
        "{notes}"
    );

    // later polls, and a restart over the same state, copy nothing again
    assert_eq!(engine.messages().step().await.unwrap(), 0);
    let restarted = connector(&sides);
    assert_eq!(restarted.messages().step().await.unwrap(), 0);
    assert_eq!(staff_notes(&sides, bc_order), notes);

    // a second message is added after the first
    office
        .customer_writes(&thread, Sender::Customer, "Also, is gift wrap possible?")
        .unwrap();
    assert_eq!(restarted.messages().step().await.unwrap(), 1);
    let notes = staff_notes(&sides, bc_order);
    assert_eq!(notes.matches("Can it arrive before Friday?").count(), 1);
    assert_eq!(notes.matches("Also, is gift wrap possible?").count(), 1);
    assert_eq!(restarted.messages().attention().messages_copied, 1);

    // the reply goes to the customer's thread (M12)
    let sent = restarted
        .messages()
        .reply(&id, "Yes: it ships on Thursday, gift wrapped.")
        .await
        .unwrap();
    assert_eq!(sent.thread_id, thread);
    assert!(!sent.opened);
    let threads = office.threads_of(&id);
    assert_eq!(threads.len(), 1);
    let last = threads[0].messages.last().unwrap();
    assert_eq!(last.from, Sender::Shop);
    assert_eq!(last.body, "Yes: it ships on Thursday, gift wrapped.");
    assert_eq!(last.to, vec!["CUSTOMER".to_owned()]);
    assert_eq!(
        sides
            .mirakl
            .request_log()
            .count("POST", "/api/inbox/threads/{thread_id}/message"),
        1
    );
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_without_a_customer_thread_opens_one_and_bad_bodies_are_refused() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    accept_and_create(&sides, &id).await;
    let engine = connector(&sides);
    let sent = engine
        .messages()
        .reply(&id, "Your parcel leaves today.")
        .await
        .unwrap();
    assert!(sent.opened);
    let threads = back_office(&sides).threads_of(&id);
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].id, sent.thread_id);
    assert_eq!(threads[0].messages[0].from, Sender::Shop);
    assert_eq!(threads[0].messages[0].to, vec!["CUSTOMER".to_owned()]);
    // the spec's body is 3 to 50,000 characters: the sandbox answers 400 as Mirakl does
    let err = engine.messages().reply(&id, "ok").await.unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    assert_eq!(back_office(&sides).threads_of(&id)[0].messages.len(), 1);
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_on_an_order_not_yet_in_bigcommerce_are_copied_once_it_is() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    poll(&sides).await; // accepted, waiting for the debit
    back_office(&sides)
        .customer_opens_thread(&id, "Address", "Please leave it with the neighbour.")
        .unwrap();
    let engine = connector(&sides);
    assert_eq!(engine.messages().step().await.unwrap(), 0);
    assert!(engine.messages().attention().messages_waiting.contains(&id));
    sides.mirakl.trigger_debit(&id).unwrap();
    poll(&sides).await;
    let bc_order = order_support::bc_order(&sides, &id);
    assert_eq!(engine.messages().step().await.unwrap(), 1);
    let notes = staff_notes(&sides, bc_order);
    assert_eq!(
        notes.matches("Please leave it with the neighbour.").count(),
        1,
        "{notes}"
    );
    let tag_count = back_office(&sides).threads_of(&id)[0]
        .messages
        .iter()
        .map(|m| notes.matches(&message_tag(&m.id)).count())
        .sum::<usize>();
    assert_eq!(tag_count, 1);
    assert!(engine.messages().attention().messages_waiting.is_empty());
    assert_no_violations(&sides);
}

/// `sync reply --config F ORDER "text"` answers the customer's thread on Mirakl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_reply_answers_the_customer() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    accept_and_create(&sides, &id).await;
    let thread = back_office(&sides)
        .customer_opens_thread(&id, "Colour", "Is the blue one in stock?")
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "order-messages-reply-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("connector.toml");
    std::fs::write(
        &cfg,
        format!(
            "[bigcommerce]\nstore_hash = \"{}\"\naccess_token = \"{}\"\napi_base = \"{}\"\n\
             [mirakl]\nbase_url = \"{}\"\napi_key = \"{}\"\nshop_id = {}\nenforce_ceilings = false\n\
             [state]\npath = \"state.sqlite\"\n",
            sides.bc.store_hash(),
            sides.bc.access_token(),
            sides.bc.base_url(),
            sides.mirakl.base_url(),
            sides.mirakl.api_key(),
            sides.mirakl.shop_id(),
        ),
    )
    .unwrap();
    let run = |text: &'static str| {
        let cfg = cfg.clone();
        let id = id.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
                .args(["reply", "--config", &cfg.display().to_string(), &id, text])
                .output()
                .unwrap()
        })
    };
    let out = run("Yes, the blue one ships today.").await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&thread), "{stdout}");
    let last = back_office(&sides).threads_of(&id)[0]
        .messages
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last.from, Sender::Shop);
    assert_eq!(last.body, "Yes, the blue one ships today.");
    // a body the spec refuses (under 3 characters) exits 1, naming Mirakl's refusal
    let out = run("no").await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
    let _ = std::fs::remove_dir_all(dir);
    assert_no_violations(&sides);
}

/// A thread on an order the connector refused (so it never reaches BigCommerce) does not hold
/// the M11 cursor back: nothing waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_on_a_refused_order_wait_for_nothing() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    assert!(sides.bc.set_stock(sku, 0));
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    poll(&sides).await;
    poll(&sides).await;
    assert_eq!(order_support::state(&sides, &id), "REFUSED");
    back_office(&sides)
        .customer_opens_thread(&id, "Stock", "Will it be back in stock soon?")
        .unwrap();
    assert_eq!(sides.engine.messages().step().await.unwrap(), 0);
    assert!(
        sides
            .engine
            .messages()
            .attention()
            .messages_waiting
            .is_empty()
    );
    assert_no_violations(&sides);
}
