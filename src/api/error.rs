//! Errors as the API answers them: a status and `{"error": "<sentence saying what to do>"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::alarm::OperationError;
use crate::ticket::TicketError;

/// Why a request was not done.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in (POST /api/v1/login) or send an API token as `Authorization: Bearer <token>`")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The step is not possible now (nothing to acknowledge, a ticket already closed).
    #[error("{0}")]
    Conflict(String),
    #[error("too many failed sign-ins; wait {retry_after_s} s and try again")]
    TooManyRequests { retry_after_s: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// Logged in full; the client gets a sentence without internals.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<OperationError> for ApiError {
    fn from(e: OperationError) -> ApiError {
        match e {
            OperationError::NoSuchAlarm(_) | OperationError::NotOutOfService(_) => ApiError::NotFound(e.to_string()),
            OperationError::BadShelve => ApiError::BadRequest(e.to_string()),
            _ => ApiError::Conflict(e.to_string()),
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> ApiError {
        match e {
            TicketError::NotFound(_) | TicketError::NoSuchItem { .. } => ApiError::NotFound(e.to_string()),
            TicketError::Backwards { .. } | TicketError::Final { .. } => ApiError::Conflict(e.to_string()),
            TicketError::ReasonRequired | TicketError::Empty(_) => ApiError::BadRequest(e.to_string()),
            TicketError::Db(_) | TicketError::Unreadable(..) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let text = match &self {
            ApiError::Internal(detail) => {
                tracing::error!("API request failed: {detail}");
                "facmon could not do that; the daemon's log says why. Try again, or call the engineer on duty"
                    .to_string()
            }
            e => e.to_string(),
        };
        let mut res = (status, Json(serde_json::json!({ "error": text }))).into_response();
        if let ApiError::TooManyRequests { retry_after_s } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

/// A JSON body that answers 400 with a sentence (axum's default rejection is plain text).
pub struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError::BadRequest(format!(
                "the request body is not what this endpoint takes ({}); see /api/v1/openapi.json",
                e.body_text()
            ))),
        }
    }
}
