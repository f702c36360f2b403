//! Order endpoints against wiremock: OR11, OR21, OR23, OR24, OR28, OR29, OR04, OR72, OR73.
//! Bodies come from the spec examples in `tests/fixtures/spec/` (pointers in INDEX.tsv).
#![cfg(feature = "client")]

mod common;
use common::*;
use futures::TryStreamExt;
use mirakl_api::client::DocumentSelection;
use mirakl_api::orders::{OrderLineAcceptance, OrderState, RefundRequest, Tracking};
use mirakl_api::{Error, MiraklOrderId};
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, body_string, header, query_param};

fn id(s: &str) -> MiraklOrderId {
    MiraklOrderId::new(s).unwrap()
}

#[tokio::test]
async fn or11_list_sends_filters() {
    let s = server().await;
    call("GET", "/api/orders")
        .and(query_param(
            "order_state_codes",
            "WAITING_ACCEPTANCE,SHIPPING",
        ))
        .and(query_param("start_update_date", "2024-05-01T10:00:00Z"))
        .and(query_param("order_references_for_seller", "BC-100"))
        .and(query_param("order_ids", "A-1,B-2"))
        .and(query_param("max", "100"))
        .and(query_param("offset", "0"))
        .and(query_param("paginate", "true"))
        .respond_with(json(200, fixture("OR11-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let page = client(&s)
        .orders()
        .list()
        .states([OrderState::WaitingAcceptance, OrderState::Shipping])
        .updated_since(mirakl_api::datetime::parse("2024-05-01T10:00:00Z").unwrap())
        .order_references_for_seller(["BC-100"])
        .order_ids([id("A-1"), id("B-2")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.items[0].order_id.as_str(), "Order_00010-A");
    assert_eq!(page.total_count, Some(1));
    assert_eq!(page.next_offset(), None);
}

#[tokio::test]
async fn or11_stream_walks_offset_pages() {
    let s = server().await;
    let order = |n: u32| {
        json!({"order_id": format!("O-{n}"), "order_state": "SHIPPING", "created_date": "2024-05-01T10:00:00Z",
               "last_updated_date": "2024-05-01T10:00:00Z", "order_lines": []})
    };
    for (offset, ids, total) in [
        ("0", vec![1, 2], 5),
        ("2", vec![3, 4], 5),
        ("4", vec![5], 5),
    ] {
        call("GET", "/api/orders")
            .and(query_param("offset", offset))
            .and(query_param("max", "2"))
            .respond_with(json_value(200, json!({"total_count": total, "orders": ids.iter().map(|n| order(*n)).collect::<Vec<_>>()})))
            .expect(1)
            .mount(&s)
            .await;
    }
    let all: Vec<_> = client(&s)
        .orders()
        .list()
        .max(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|o| o.order_id.to_string()).collect();
    assert_eq!(ids, ["O-1", "O-2", "O-3", "O-4", "O-5"]);
}

#[tokio::test]
async fn or11_rejects_more_than_100_ids() {
    let s = server().await;
    let ids = (0..101).map(|n| id(&format!("O-{n}")));
    let err = client(&s)
        .orders()
        .list()
        .order_ids(ids)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(m) if m.contains("100")));
}

#[tokio::test]
async fn or21_accept_sends_decisions() {
    let s = server().await;
    call("PUT", "/api/orders/Order_00012-B/accept")
        .and(body_json(
            serde_json::from_slice::<serde_json::Value>(&fixture("OR21-request-0.json")).unwrap(),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    call("PUT", "/api/orders/Gone-A/accept")
        .respond_with(json_value(400, json!({"status": 400, "code": "ORDER_INVALID_STATE", "message": "Order is not in the expected state"})))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    c.orders()
        .accept(
            &id("Order_00012-B"),
            vec![OrderLineAcceptance::accept("Order_00012-B-1")],
        )
        .await
        .unwrap();
    let err = c
        .orders()
        .accept(&id("Gone-A"), vec![OrderLineAcceptance::refuse("Gone-A-1")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 400, code: Some(ref c), .. } if c == "ORDER_INVALID_STATE")
    );
}

#[tokio::test]
async fn or23_tracking_and_or24_ship_with_body() {
    let s = server().await;
    call("PUT", "/api/orders/O-1/tracking")
        .and(body_json(
            json!({"carrier_code": "AUSPOST", "tracking_number": "TRK1"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    call("PUT", "/api/orders/O-1/ship")
        .and(body_string("{}"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let t = Tracking {
        carrier_code: Some("AUSPOST".into()),
        tracking_number: Some("TRK1".into()),
        ..Default::default()
    };
    c.orders().tracking(&id("O-1"), &t).await.unwrap();
    c.orders().ship(&id("O-1")).await.unwrap();
    assert_eq!(c.call_counts().get("OR24"), Some(&1));
}

#[tokio::test]
async fn or28_refund() {
    let s = server().await;
    let req: RefundRequest = serde_json::from_slice(&fixture("OR28-request-0.json")).unwrap();
    call("PUT", "/api/orders/refund")
        .and(body_json(serde_json::to_value(&req).unwrap()))
        .respond_with(json(200, fixture("OR28-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let resp = client(&s).orders().refund(&req).await.unwrap();
    assert_eq!(resp.refunds[0].refund_id.as_deref(), Some("1130"));
}

#[tokio::test]
async fn or29_cancel() {
    let s = server().await;
    call("PUT", "/api/orders/O-9/cancel")
        .and(body_string("{}"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    client(&s).orders().cancel(&id("O-9")).await.unwrap();
}

#[tokio::test]
async fn or04_set_reference_surfaces_item_errors() {
    let s = server().await;
    call("PUT", "/api/orders")
        .and(body_json(serde_json::from_slice::<serde_json::Value>(&fixture("OR04-request-1.json")).unwrap()))
        .respond_with(json_value(200, json!({"updated_orders": [
            {"order_id": "Order_00014", "errors": [{"code": "ORDER_NOT_FOUND", "field": "order_id", "message": "not found"}]}
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    let resp = client(&s)
        .orders()
        .set_reference(&id("Order_00014"), "ref_seller")
        .await
        .unwrap();
    let failed: Vec<_> = resp.failures().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].errors[0].code.as_deref(), Some("ORDER_NOT_FOUND"));
}

#[tokio::test]
async fn or72_documents_and_or73_download() {
    let s = server().await;
    call("GET", "/api/orders/documents")
        .and(query_param("order_ids", "Classic_Order_0006-A"))
        .respond_with(json(200, fixture("OR72-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/orders/documents/download")
        .and(query_param("document_ids", "2024,2025"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-disposition", "attachment; filename=\"docs.zip\"")
                .set_body_raw(b"PK\x03\x04zip".to_vec(), "application/octet-stream"),
        )
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let docs = c
        .orders()
        .documents(&[id("Classic_Order_0006-A")])
        .await
        .unwrap();
    assert_eq!(
        docs.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![2024, 2025]
    );
    let sel = DocumentSelection {
        document_ids: vec![2024, 2025],
        ..Default::default()
    };
    let dl = c.orders().download_documents(&sel).await.unwrap();
    assert_eq!(dl.file_name.as_deref(), Some("docs.zip"));
    assert!(dl.bytes.starts_with(b"PK"));
}
