//! The control-panel API-account `.txt` file and credential redaction. The documented
//! layout is in `../shared/specs/bigcommerce/bigcommerce-dev-docs/docs/api-docs/getting-started/rest-api-authentication.md`.

use bigcommerce_api::{Credentials, CredentialsError};

const TOKEN: &str = "abcd1234efgh5678ijkl9012mnop345";
const SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// The documented example layout (LF).
#[test]
fn documented_layout() {
    let text = format!(
        "ACCESS TOKEN: {TOKEN}\nCLIENT NAME: products read-write\nAPI PATH: https://api.bigcommerce.com/stores/123456/v3/\nCLIENT ID: clientid42\nCLIENT SECRET: {SECRET}\n"
    );
    let c = Credentials::from_api_account_text(&text).unwrap();
    assert_eq!(c.store_hash().to_string(), "123456");
    assert_eq!(c.client_id(), Some("clientid42"));
    assert_eq!(c.client_name(), Some("products read-write"));
    assert_eq!(c.access_token().expose(), TOKEN);
    assert_eq!(c.client_secret().unwrap().expose(), SECRET);
}

// Real-world order with both CLIENT NAME and NAME, CRLF, stray spaces, blank lines,
// lower-case labels and an unknown label.
#[test]
fn crlf_reordered_spaces_unknown_labels() {
    let text = format!(
        "\u{feff}  access token :   {TOKEN}  \r\n\r\nCLIENT NAME: sync\r\nCLIENT ID: cid\r\nCLIENT SECRET:{SECRET}\r\nNAME: Sync app\r\nSCOPES: orders\r\n  API   PATH: https://api.bigcommerce.com/stores/s9x8y7/v3/  \r\n"
    );
    let c = Credentials::from_api_account_text(&text).unwrap();
    assert_eq!(c.store_hash().as_str(), "s9x8y7");
    assert_eq!(c.client_name(), Some("sync"));
    assert_eq!(c.access_token().expose(), TOKEN);
}

// Workato-style layout: NAME only, API PATH last.
#[test]
fn name_only_layout() {
    let text = format!(
        "ACCESS TOKEN: {TOKEN}\nCLIENT ID: cid\nCLIENT SECRET: {SECRET}\nNAME: Workato\nAPI PATH: https://api.bigcommerce.com/stores/abc123/v3"
    );
    let c = Credentials::from_api_account_text(&text).unwrap();
    assert_eq!(c.client_name(), Some("Workato"));
    assert_eq!(c.store_hash().as_str(), "abc123");
}

#[test]
fn missing_token_is_named() {
    let text = "CLIENT NAME: x\nAPI PATH: https://api.bigcommerce.com/stores/abc/v3/\n";
    let err = Credentials::from_api_account_text(text).unwrap_err();
    assert_eq!(
        err,
        CredentialsError::Missing {
            field: "ACCESS TOKEN"
        }
    );
    assert!(err.to_string().contains("ACCESS TOKEN"));
}

#[test]
fn missing_api_path_is_named() {
    let text = format!("ACCESS TOKEN: {TOKEN}\nCLIENT SECRET: {SECRET}\n");
    let err = Credentials::from_api_account_text(&text).unwrap_err();
    assert_eq!(err, CredentialsError::Missing { field: "API PATH" });
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(SECRET));
}

#[test]
fn api_path_without_store_hash() {
    let text = format!("ACCESS TOKEN: {TOKEN}\nAPI PATH: https://api.bigcommerce.com/v3/\n");
    let err = Credentials::from_api_account_text(&text).unwrap_err();
    assert!(
        matches!(err, CredentialsError::NoStoreHash { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("store hash"));
}

#[test]
fn empty_and_garbage_text() {
    assert!(Credentials::from_api_account_text("").is_err());
    let err = Credentials::from_api_account_text("hello world\nno colons here").unwrap_err();
    assert_eq!(
        err,
        CredentialsError::Missing {
            field: "ACCESS TOKEN"
        }
    );
    // An empty value counts as missing.
    let err = Credentials::from_api_account_text(
        "ACCESS TOKEN:   \nAPI PATH: https://api.bigcommerce.com/stores/abc/v3/",
    )
    .unwrap_err();
    assert_eq!(
        err,
        CredentialsError::Missing {
            field: "ACCESS TOKEN"
        }
    );
}

#[test]
fn debug_redacts_token_and_secret() {
    let c = Credentials::from_api_path("https://api.bigcommerce.com/stores/abc/v3/", TOKEN)
        .unwrap()
        .with_client_secret(SECRET)
        .with_client_id("cid");
    let shown = format!("{c:?} {c:#?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("abc") && shown.contains("cid"));
}

#[test]
fn credentials_give_a_webhook_verifier_keyed_with_the_client_secret() {
    let text = "ACCESS TOKEN: tok123\nAPI PATH: https://api.bigcommerce.com/stores/abc123/v3/\nCLIENT SECRET: cs_secret_value\n";
    let creds = bigcommerce_api::Credentials::from_api_account_text(text).unwrap();
    let v = creds.webhook_verifier().expect("client secret present");
    let body = br#"{"scope":"store/product/updated"}"#;
    let sig = v.sign("msg_1", 1_700_000_000, body);
    let same = bigcommerce_api::webhooks::WebhookVerifier::from_client_secret(
        &bc_mirakl_api_core::secret::Secret::new("cs_secret_value"),
    );
    assert_eq!(
        same.verify_at("msg_1", "1700000000", &sig, body, 1_700_000_000),
        Ok(())
    );
    assert!(!format!("{v:?}").contains("cs_secret_value"));
    let no_secret = bigcommerce_api::Credentials::new("abc123", "tok").unwrap();
    assert!(no_secret.webhook_verifier().is_none());
}
