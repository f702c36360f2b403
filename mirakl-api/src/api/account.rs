//! Account and platform configuration calls.

use crate::Result;
use crate::account::{AdditionalField, AdditionalFieldList, PlatformConfiguration, Shop};
use crate::client::Client;
use crate::shipping::{Carrier, CarrierList, LogisticClass, LogisticClassList};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

/// A01 and AF01. Get it with [`Client::account`].
#[derive(Debug, Clone)]
pub struct Account {
    client: Client,
}

impl Account {
    pub(crate) fn new(client: Client) -> Self {
        Account { client }
    }

    /// A01: the shop (Mirakl allows one call a day; cache it).
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`crate::Error::Decode`].
    pub async fn get(&self) -> Result<Shop> {
        let spec = RequestSpec::new(Method::GET, "/api/account", "api/account").operation("A01");
        self.client.json(spec).await
    }

    /// AF01: custom field definitions, optionally for some entities (`OFFER`, `ORDER`,
    /// `ORDER_LINE`, `SHOP`).
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`crate::Error::Decode`].
    pub async fn additional_fields(&self, entities: &[&str]) -> Result<Vec<AdditionalField>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/additional_fields",
            "api/additional_fields",
        )
        .operation("AF01")
        .query_opt("entities", crate::client::join(entities));
        let list: AdditionalFieldList = self.client.json(spec).await?;
        Ok(list.additional_fields)
    }
}

/// PC01. Get it with [`Client::platform_configuration`].
#[derive(Debug, Clone)]
pub struct Platform {
    client: Client,
}

impl Platform {
    pub(crate) fn new(client: Client) -> Self {
        Platform { client }
    }

    /// PC01: the operator's platform features (acceptance mode, multi-shipment, price
    /// decimals, CSV delimiter…).
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`crate::Error::Decode`].
    pub async fn get(&self) -> Result<PlatformConfiguration> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/platform/configuration",
            "api/platform/configuration",
        )
        .operation("PC01");
        self.client.json(spec).await
    }
}

/// SH21. Get it with [`Client::carriers`].
#[derive(Debug, Clone)]
pub struct Carriers {
    client: Client,
}

impl Carriers {
    pub(crate) fn new(client: Client) -> Self {
        Carriers { client }
    }

    /// SH21: carriers registered on the operator.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`crate::Error::Decode`].
    pub async fn list(&self) -> Result<Vec<Carrier>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/shipping/carriers",
            "api/shipping/carriers",
        )
        .operation("SH21");
        let list: CarrierList = self.client.json(spec).await?;
        Ok(list.carriers)
    }
}

/// SH31. Get it with [`Client::logistic_classes`].
#[derive(Debug, Clone)]
pub struct LogisticClasses {
    client: Client,
}

impl LogisticClasses {
    pub(crate) fn new(client: Client) -> Self {
        LogisticClasses { client }
    }

    /// SH31: logistic classes.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`crate::Error::Decode`].
    pub async fn list(&self) -> Result<Vec<LogisticClass>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/shipping/logistic_classes",
            "api/shipping/logistic_classes",
        )
        .operation("SH31");
        let list: LogisticClassList = self.client.json(spec).await?;
        Ok(list.logistic_classes)
    }
}
