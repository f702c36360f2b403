//! Catalog writes issue 17 lists: category trees and their categories, options and option
//! values, modifiers and modifier values, image upload. Wiremock checks method, path, query
//! and body (a catch-all fails on anything else). Fixtures in `tests/fixtures/catalog/`, from
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/catalog/`:
//! * `trees_upsert_resp.json`: `category-trees_catalog.v3.yml`, `PUT /catalog/trees` 200
//!   example; `tree_categories_create_resp.json`: `POST /catalog/trees/categories` 201
//!   example "Create Category 36";
//! * `option_create_resp.json`: `product-variant-options_catalog.v3.yml`, `POST
//!   /catalog/products/{product_id}/options` 200 example-1; `option_value_update_resp.json`:
//!   `PUT .../options/{option_id}/values/{value_id}` 200 example;
//! * `modifier_create_req.json` and `modifier_create_resp.json`:
//!   `product-modifiers_catalog.v3.yml`, `POST .../modifiers` request example and 200
//!   example; `modifier_value_create_resp.json`: `POST .../modifiers/{modifier_id}/values`
//!   200 example;
//! * `images.json`: `products_catalog.v3.yml`, `GET .../images` 200 example (the answer of
//!   an upload is one such image).

mod common;

use bigcommerce_api::Error;
use bigcommerce_api::catalog::{
    CategoryId, CategoryTreeId, CategoryTreeWrite, CategoryUrlWrite, IMAGE_MAX_BYTES, ImageFile,
    OptionId, OptionValueId, OptionValueWrite, ProductId, ProductImageWrite, ProductOptionWrite,
    TREES_BATCH, TreeCategoryWrite,
};
use bigcommerce_api::channels::ChannelId;
use common::*;
use serde_json::json;
use wiremock::matchers::{
    body_json, body_string_contains, header_regex, method, path, query_param,
};
use wiremock::{Mock, ResponseTemplate};

fn ex(name: &str) -> serde_json::Value {
    fixture(&format!("catalog/{name}.json"))
}

fn invalid<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::InvalidInput(m)) => m,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn trees_upsert_in_batches_of_fifty_and_delete() {
    let server = server().await;
    // 51 new trees: one request of 50, then one of 1 (the documented batch limit).
    let trees: Vec<CategoryTreeWrite> = (0..=TREES_BATCH)
        .map(|i| CategoryTreeWrite::create(format!("Tree {i}"), ChannelId(1)))
        .collect();
    let wire = |r: std::ops::Range<usize>| {
        json!(
            r.map(|i| json!({"name": format!("Tree {i}"), "channels": [1]}))
                .collect::<Vec<_>>()
        )
    };
    let answer = ex("trees_upsert_resp");
    for range in [0..50, 50..51] {
        Mock::given(method("PUT"))
            .and(path(p("v3/catalog/trees")))
            .and(body_json(wire(range)))
            .respond_with(json(200, answer.clone()))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/trees")))
        .and(body_json(json!([{"id": 4, "name": "Renamed"}])))
        .respond_with(json(200, answer.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p("v3/catalog/trees")))
        .and(query_param("id:in", "4,5"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).categories();
    let saved = c.upsert_trees(&trees).await.unwrap();
    assert_eq!(saved.len(), 2, "one tree per answer, two answers");
    assert_eq!(saved[0].name, "string");
    let renamed = c
        .upsert_trees(&[CategoryTreeWrite::rename(CategoryTreeId(4), "Renamed")])
        .await
        .unwrap();
    assert_eq!(renamed[0].id, CategoryTreeId(0));
    c.delete_trees(&[CategoryTreeId(4), CategoryTreeId(5)])
        .await
        .unwrap();

    // The usage notes, checked before anything is sent.
    let mut no_channel = CategoryTreeWrite::create("X", ChannelId(1));
    no_channel.channels.clear();
    assert!(invalid(c.upsert_trees(&[no_channel]).await).contains("exactly one channel"));
    let mut update_with_channel = CategoryTreeWrite::rename(CategoryTreeId(4), "X");
    update_with_channel.channels.push(ChannelId(2));
    assert!(invalid(c.upsert_trees(&[update_with_channel]).await).contains("absent"));
    assert!(invalid(c.delete_trees(&[]).await).contains("at least one"));
}

#[tokio::test]
async fn tree_categories_create_update_delete() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v3/catalog/trees/categories")))
        .and(body_json(json!([
            {"name": "Bath", "tree_id": 1, "is_visible": true,
             "url": {"path": "/bath/", "is_customized": true},
             "meta_keywords": ["loofah"]},
            {"name": "Towels", "parent_id": 36}
        ])))
        .respond_with(json(201, ex("tree_categories_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    // A partial success: the change is reported, not dropped.
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/trees/categories")))
        .and(body_json(
            json!([{"category_id": 36, "name": "Bath & Body"}]),
        ))
        .respond_with(json(
            207,
            json!({"errors": {"status": 422, "title": "Category URL already used", "errors": {}},
                   "meta": {"total": 1, "success": 0, "failed": 1}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/trees/categories")))
        .and(body_json(json!([{"category_id": 36, "sort_order": 2}])))
        .respond_with(json(
            200,
            json!({"meta": {"total": 1, "success": 1, "failed": 0}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p("v3/catalog/trees/categories")))
        .and(query_param("category_id:in", "36,37"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server).categories();
    let mut bath = TreeCategoryWrite::in_tree("Bath", CategoryTreeId(1));
    bath.is_visible = Some(true);
    bath.url = Some(CategoryUrlWrite::custom("/bath/"));
    bath.extra.insert("meta_keywords".into(), json!(["loofah"]));
    let towels = TreeCategoryWrite::under("Towels", CategoryId(36));
    let created = c.create_tree_categories(&[bath, towels]).await.unwrap();
    assert!(!created.is_partial());
    assert_eq!(created.data[0].category_id, CategoryId(36));
    assert_eq!(created.data[0].name, "Bath");

    let mut rename = TreeCategoryWrite::update(CategoryId(36));
    rename.name = Some("Bath & Body".into());
    let w = c.update_tree_categories(&[rename]).await.unwrap();
    assert!(w.is_partial());
    assert_eq!(
        w.failures[0].error.title.as_deref(),
        Some("Category URL already used")
    );
    let mut order = TreeCategoryWrite::update(CategoryId(36));
    order.sort_order = Some(2);
    assert!(
        !c.update_tree_categories(&[order])
            .await
            .unwrap()
            .is_partial()
    );
    c.delete_tree_categories(&[CategoryId(36), CategoryId(37)])
        .await
        .unwrap();

    let mut nameless = TreeCategoryWrite::in_tree("x", CategoryTreeId(1));
    nameless.name = None;
    assert!(invalid(c.create_tree_categories(&[nameless]).await).contains("name"));
    let mut orphan = TreeCategoryWrite::in_tree("x", CategoryTreeId(1));
    orphan.tree_id = None;
    assert!(invalid(c.create_tree_categories(&[orphan]).await).contains("tree_id or a parent_id"));
    let update_as_create = TreeCategoryWrite::update(CategoryId(3));
    assert!(
        invalid(
            c.update_tree_categories(&[TreeCategoryWrite::in_tree("x", CategoryTreeId(1))])
                .await
        )
        .contains("category_id")
    );
    assert!(invalid(c.create_tree_categories(&[update_as_create]).await).contains("category_id"));
    assert!(invalid(c.delete_tree_categories(&[]).await).contains("at least one"));
}

#[tokio::test]
async fn options_and_option_values() {
    let server = server().await;
    let base = "v3/catalog/products/4/options";
    Mock::given(method("POST"))
        .and(path(p(base)))
        .and(body_json(json!({
            "display_name": "Color", "type": "swatch",
            "option_values": [{"label": "Green", "sort_order": 0,
                               "value_data": {"colors": ["#00FF00"]}}]
        })))
        .respond_with(json(200, ex("option_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/55"))))
        .and(body_json(
            json!({"display_name": "Colour", "sort_order": 1}),
        ))
        .respond_with(json(200, ex("option_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/55/values/44"))))
        .and(body_json(json!({"label": "Pick a color", "sort_order": 9})))
        .respond_with(json(200, ex("option_value_update_resp")))
        .expect(1)
        .mount(&server)
        .await;
    for rest in ["55/values/44", "55"] {
        Mock::given(method("DELETE"))
            .and(path(p(&format!("{base}/{rest}"))))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server).products();
    let product = ProductId(4);
    let option = ProductOptionWrite::option(
        "Color",
        "swatch",
        vec![OptionValueWrite::new("Green", 0).value_data(json!({"colors": ["#00FF00"]}))],
    );
    let made = c.create_option(product, &option).await.unwrap();
    assert_eq!(made.id, OptionId(55));
    assert_eq!(made.option_type.as_deref(), Some("radio_buttons"));
    let change = ProductOptionWrite::change()
        .display_name("Colour")
        .sort_order(1);
    c.update_option(product, OptionId(55), &change)
        .await
        .unwrap();
    let v = c
        .update_option_value(
            product,
            OptionId(55),
            OptionValueId(44),
            &OptionValueWrite::new("Pick a color", 9),
        )
        .await
        .unwrap();
    assert_eq!(v.id, Some(OptionValueId(44)));
    c.delete_option_value(product, OptionId(55), OptionValueId(44))
        .await
        .unwrap();
    c.delete_option(product, OptionId(55)).await.unwrap();

    let no_values = ProductOptionWrite::option("Color", "swatch", Vec::new());
    assert!(invalid(c.create_option(product, &no_values).await).contains("option_values"));
    let untyped = ProductOptionWrite::change()
        .display_name("Color")
        .values(vec![OptionValueWrite::new("Green", 0)]);
    assert!(invalid(c.create_option(product, &untyped).await).contains("type"));
}

#[tokio::test]
async fn modifiers_and_modifier_values() {
    let server = server().await;
    let base = "v3/catalog/products/161/modifiers";
    // The spec's request example, typed and sent back unchanged.
    let request = ex("modifier_create_req");
    let typed: ProductOptionWrite = serde_json::from_value(request.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), request);
    Mock::given(method("POST"))
        .and(path(p(base)))
        .and(body_json(&request))
        .respond_with(json(200, ex("modifier_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/164"))))
        .and(body_json(json!({"required": false})))
        .respond_with(json(200, ex("modifier_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    let adjusters = json!({"price": {"adjuster": "relative", "adjuster_value": 5}});
    Mock::given(method("POST"))
        .and(path(p(&format!("{base}/222/values"))))
        .and(body_json(
            json!({"label": "Yes", "sort_order": 0, "adjusters": adjusters}),
        ))
        .respond_with(json(200, ex("modifier_value_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/222/values/190"))))
        .and(body_json(json!({"label": "Yes please", "sort_order": 1})))
        .respond_with(json(200, ex("modifier_value_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    for rest in ["222/values/190", "164"] {
        Mock::given(method("DELETE"))
            .and(path(p(&format!("{base}/{rest}"))))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server).products();
    let product = ProductId(161);
    let made = c.create_modifier(product, &typed).await.unwrap();
    assert_eq!(made.id, OptionId(164));
    assert_eq!(made.required, Some(true));
    assert_eq!(
        made.option_values[0].adjusters["price"]["adjuster_value"],
        5
    );
    let mut change = ProductOptionWrite::change();
    change.required = Some(false);
    c.update_modifier(product, OptionId(164), &change)
        .await
        .unwrap();
    let v = c
        .create_modifier_value(
            product,
            OptionId(222),
            &OptionValueWrite::new("Yes", 0).adjusters(adjusters.clone()),
        )
        .await
        .unwrap();
    assert_eq!(v.id, Some(OptionValueId(190)));
    assert_eq!(v.option_id, Some(OptionId(222)));
    c.update_modifier_value(
        product,
        OptionId(222),
        OptionValueId(190),
        &OptionValueWrite::new("Yes please", 1),
    )
    .await
    .unwrap();
    c.delete_modifier_value(product, OptionId(222), OptionValueId(190))
        .await
        .unwrap();
    c.delete_modifier(product, OptionId(164)).await.unwrap();

    let mut not_required = ProductOptionWrite::modifier("Gift note", "text", true);
    not_required.required = None;
    assert!(invalid(c.create_modifier(product, &not_required).await).contains("required"));
}

#[tokio::test]
async fn image_upload_is_multipart_with_image_file() {
    let server = server().await;
    let one = json!({"data": ex("images")["data"][0].clone(), "meta": {}});
    // (wiremock's body_string_contains needs UTF-8, so no PNG signature here.)
    let gif = b"GIF89a fake-image-bytes".to_vec();
    Mock::given(method("POST"))
        .and(path(p("v3/catalog/products/158/images")))
        .and(header_regex(
            "content-type",
            "^multipart/form-data; boundary=",
        ))
        .and(body_string_contains(
            "name=\"image_file\"; filename=\"mug.gif\"",
        ))
        .and(body_string_contains("Content-Type: image/gif"))
        .and(body_string_contains("fake-image-bytes"))
        .and(body_string_contains("name=\"is_thumbnail\"\r\n\r\ntrue"))
        .and(body_string_contains("name=\"sort_order\"\r\n\r\n2"))
        .and(body_string_contains("name=\"description\"\r\n\r\nA mug"))
        .respond_with(json(200, one))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).products();
    let mut meta = ProductImageWrite::default();
    meta.is_thumbnail = Some(true);
    meta.sort_order = Some(2);
    meta.description = Some("A mug".into());
    let image = c
        .upload_image(
            ProductId(158),
            ImageFile::new("mug.gif", "image/gif", gif.clone()),
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(image.id, Some(382));

    // Checked before anything is sent: both a file and a URL, an empty or oversized file.
    let both = ProductImageWrite::from_url("https://cdn.example.com/a.png");
    let file = || ImageFile::new("mug.gif", "image/gif", gif.clone());
    assert!(invalid(c.upload_image(ProductId(158), file(), &both).await).contains("image_url"));
    let empty = ImageFile::new("mug.gif", "image/gif", Vec::new());
    assert!(invalid(c.upload_image(ProductId(158), empty, &meta).await).contains("bytes"));
    let big = ImageFile::new("mug.gif", "image/gif", vec![0u8; IMAGE_MAX_BYTES + 1]);
    assert!(invalid(c.upload_image(ProductId(158), big, &meta).await).contains("bytes"));
}
