//! Posted forms (`application/x-www-form-urlencoded`), read leniently: a missing
//! field is empty, so handlers validate values rather than fail on shapes.

use std::collections::HashMap;

/// The fields of one form post; a field given twice keeps every value.
#[derive(Debug, Default, Clone)]
pub struct Form {
    fields: HashMap<String, Vec<String>>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let mut fields: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            fields
                .entry(name.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        Form { fields }
    }

    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The first value of `name`, trimmed.
    pub fn trimmed(&self, name: &str) -> &str {
        self.get(name).trim()
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// Field names, e.g. for `check-<uuid>` checkboxes.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }
}

/// A form posted by a logged-in person, once its CSRF token has been checked: what
/// every dashboard POST handler starts with, as an extractor.
pub struct Posted {
    pub visitor: super::Visitor,
    pub user: hc_core::models::User,
    pub form: Form,
}

impl actix_web::FromRequest for Posted {
    type Error = super::PageError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Posted, Self::Error>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let req = req.clone();
        let body = actix_web::web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|e| super::PageError::BadRequest(format!("Cannot read the form: {e}")))?;
            let state = req
                .app_data::<actix_web::web::Data<crate::State>>()
                .cloned()
                .ok_or_else(|| super::PageError::Internal("no application state".into()))?;
            let visitor = super::Visitor::load(&state, &req).await?;
            let user = visitor.user()?.clone();
            let form = Form::parse(&body);
            visitor.check_csrf(&req, &form)?;
            Ok(Posted {
                visitor,
                user,
                form,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_and_missing_ones_are_empty() {
        let form = Form::parse(b"email=a%40b.org&name=x+y&name=z&empty=");
        assert_eq!(form.get("email"), "a@b.org");
        assert_eq!(form.get("name"), "x y");
        assert_eq!(form.get("missing"), "");
        assert!(form.has("empty") && !form.has("missing"));
    }
}
