//! Request builders encode exactly what the API expects, compared byte for byte.

use std::collections::BTreeMap;

use apigen_runtime::{to_http_request, ApiKey, ApiRequest, AuthScheme, MaybeUnset};
use stripe::operations::*;
use stripe::{ChargeExpand, CustomerExpand, RangeQuerySpecs};

fn request<R: ApiRequest>(request: &R) -> http::Request<Vec<u8>> {
    to_http_request(
        request,
        "https://api.stripe.com",
        Some(&ApiKey::new("sk_test_123")),
        &AuthScheme::Basic,
    )
    .unwrap()
}

fn body(request: &http::Request<Vec<u8>>) -> &str {
    std::str::from_utf8(request.body()).unwrap()
}

fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn create_charge_with_nested_metadata_and_expand() {
    let create = CreateCharge::new(400, "usd")
        .source("tok_visa")
        .metadata(metadata(&[("order_id", "6735")]))
        .expand(ChargeExpand::Customer)
        .expand_path("invoice.subscription")
        .idempotency_key("48YnJFsWVbZtXi9A");
    let http = request(&create);
    assert_eq!(http.method(), "POST");
    assert_eq!(http.uri(), "https://api.stripe.com/v1/charges");
    assert_eq!(
        http.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(http.headers()["idempotency-key"], "48YnJFsWVbZtXi9A");
    assert_eq!(http.headers()["authorization"], "Basic c2tfdGVzdF8xMjM6");
    assert_eq!(
        body(&http),
        "amount=400&currency=usd&expand[0]=customer&expand[1]=invoice.subscription&metadata[order_id]=6735&source=tok_visa"
    );
}

#[test]
fn nested_objects_and_reserved_characters() {
    let shipping = stripe::ShippingParams {
        address: stripe::ShippingParamsAddress {
            city: Some("San Francisco".into()),
            country: None,
            line1: Some("510 Townsend St".into()),
            line2: None,
            postal_code: Some("94103".into()),
            state: None,
        },
        carrier: None,
        name: "Jenny Rosen & Co".into(),
        phone: None,
        tracking_number: None,
    };
    let create = CreateCustomer::new()
        .email("jenny+1@example.com")
        .metadata(metadata(&[("a b", "x=y")]))
        .shipping(shipping);
    assert_eq!(
        body(&request(&create)),
        "email=jenny%2B1@example.com&metadata[a+b]=x%3Dy&shipping[address][city]=San+Francisco&shipping[address][line1]=510+Townsend+St&shipping[address][postal_code]=94103&shipping[name]=Jenny+Rosen+%26+Co"
    );
}

#[test]
fn empty_string_unsets() {
    let update = UpdateCustomer::new("cus_123")
        .metadata(MaybeUnset::Unset)
        .description(MaybeUnset::Unset)
        .email("new@example.com".to_owned());
    let http = request(&update);
    assert_eq!(http.uri(), "https://api.stripe.com/v1/customers/cus_123");
    assert_eq!(body(&http), "description=&email=new@example.com&metadata=");

    let one_key = UpdateCharge::new("ch_1").metadata(metadata(&[("order_id", "")]));
    assert_eq!(body(&request(&one_key)), "metadata[order_id]=");
}

#[test]
fn list_with_deep_object_filter_and_data_prefixed_expand() {
    let list = ListCharges::new()
        .limit(3)
        .customer("cus_123")
        .created(ListChargesCreated::RangeQuerySpecs(Box::new(
            RangeQuerySpecs {
                gt: None,
                gte: Some(1_448_816_155),
                lt: Some(1_448_900_000),
                lte: None,
            },
        )))
        .expand(ChargeExpand::Customer)
        .starting_after("ch_9");
    let http = request(&list);
    assert_eq!(http.method(), "GET");
    assert!(http.body().is_empty());
    assert_eq!(
        http.uri(),
        "https://api.stripe.com/v1/charges?created[gte]=1448816155&created[lt]=1448900000&customer=cus_123&expand[0]=data.customer&limit=3&starting_after=ch_9"
    );
    let exact = ListCharges::new().created(ListChargesCreated::Timestamp(1_448_816_155));
    assert_eq!(
        request(&exact).uri(),
        "https://api.stripe.com/v1/charges?created=1448816155"
    );
}

#[test]
fn path_parameters_are_typed_and_escaped() {
    let retrieve = RetrieveCustomer::new(stripe::CustomerId::new("cus/../x y"))
        .expand(CustomerExpand::DefaultSource);
    assert_eq!(
        request(&retrieve).uri(),
        "https://api.stripe.com/v1/customers/cus%2F..%2Fx%20y?expand[0]=default_source"
    );
    let capture = CaptureCharge::new("ch_1").amount(100);
    assert_eq!(
        request(&capture).uri(),
        "https://api.stripe.com/v1/charges/ch_1/capture"
    );
}

#[test]
fn headers_and_per_request_keys() {
    let retrieve = RetrieveCharge::new("ch_1")
        .stripe_account("acct_1032D82eZvKYlo2C")
        .stripe_version("2022-08-01")
        .api_key("sk_test_other");
    let http = to_http_request(
        &retrieve,
        "https://api.stripe.com",
        Some(&ApiKey::new("sk_test_123")),
        &AuthScheme::Bearer,
    )
    .unwrap();
    assert_eq!(http.headers()["stripe-account"], "acct_1032D82eZvKYlo2C");
    assert_eq!(http.headers()["stripe-version"], "2022-08-01");
    assert_eq!(http.headers()["authorization"], "Bearer sk_test_other");
    assert!(
        !format!("{retrieve:?}").contains("sk_test_other"),
        "keys never show in Debug"
    );
}

#[test]
fn doselect_api_key_header() {
    let scheme = AuthScheme::Header {
        name: "authorization",
        template: "ApiKey {key}",
    };
    let retrieve = doselect::operations::RetrieveUser::new("devhacker");
    let http = to_http_request(
        &retrieve,
        "http://doselect.local:8000",
        Some(&ApiKey::new("me:secret")),
        &scheme,
    )
    .unwrap();
    assert_eq!(http.uri(), "http://doselect.local:8000/papi/user/devhacker");
    assert_eq!(http.headers()["authorization"], "ApiKey me:secret");
}

#[test]
fn api_key_in_the_query() {
    let scheme = AuthScheme::Query { name: "api_key" };
    let list = stripe::operations::ListCustomers::new().limit(3);
    let http = to_http_request(
        &list,
        "http://127.0.0.1:1",
        Some(&ApiKey::new("k&1")),
        &scheme,
    )
    .unwrap();
    assert_eq!(
        http.uri(),
        "http://127.0.0.1:1/v1/customers?limit=3&api_key=k%261"
    );
    assert!(!http.headers().contains_key("authorization"));
    let retrieve = doselect::operations::RetrieveUser::new("devhacker");
    let http = to_http_request(&retrieve, "http://h", Some(&ApiKey::new("k")), &scheme).unwrap();
    assert_eq!(http.uri(), "http://h/papi/user/devhacker?api_key=k");
}
