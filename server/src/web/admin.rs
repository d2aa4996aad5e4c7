//! Admin-only plain HTTP endpoints (the page's other actions are server functions).

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use engine::{
    auth::{self, User, UserStore},
    etl::history,
};
use model::Role;
use tower_sessions::Session;

use super::AppState;

/// The signed-in admin, or the response that refuses the request (401 / 403).
pub async fn admin_only(state: &AppState, session: &Session) -> Result<User, Response> {
    match auth::current_user(session, &UserStore::new(&state.db)).await {
        Ok(Some(user)) if user.role.allows(Role::Admin) => Ok(user),
        Ok(Some(user)) => {
            tracing::warn!(user = %user.name, "admin endpoint refused");
            Err((StatusCode::FORBIDDEN, app::auth::FORBIDDEN).into_response())
        }
        Ok(None) => Err((StatusCode::UNAUTHORIZED, app::auth::NOT_SIGNED_IN).into_response()),
        Err(err) => {
            tracing::error!(error = %err, "cannot read the session");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// `GET /admin/runs/{id}/quarantine.csv`: every quarantined row of a run.
pub async fn quarantine_csv(
    State(state): State<AppState>,
    session: Session,
    Path(run): Path<String>,
) -> Response {
    if let Err(response) = admin_only(&state, &session).await {
        return response;
    }
    let Ok(run_id) = run.parse::<i64>() else {
        return (StatusCode::BAD_REQUEST, format!("{run:?} is not a run number")).into_response();
    };
    let rows = match history::quarantined(state.db.pool(), run_id, None).await {
        Ok(rows) => rows,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the quarantine");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match history::quarantine_csv(&rows) {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"run-{run_id}-quarantine.csv\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot write the quarantine CSV");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /admin/runs/{run}/files/{file}`: a file the run rejected whole, kept in the lake's
/// rejected zone, as it arrived.
pub async fn rejected_file(
    State(state): State<AppState>,
    session: Session,
    Path((run, file)): Path<(String, String)>,
) -> Response {
    use tower::ServiceExt as _;

    if let Err(response) = admin_only(&state, &session).await {
        return response;
    }
    let (Ok(run_id), Ok(file_id)) = (run.parse::<i64>(), file.parse::<i64>()) else {
        return (StatusCode::BAD_REQUEST, "the run and file must be numbers").into_response();
    };
    let kept = match engine::etl::rejected::rejected_file(state.db.pool(), &state.lake, file_id).await {
        Ok(Some(kept)) if kept.run_id == run_id => kept,
        Ok(_) => {
            return (StatusCode::NOT_FOUND, format!("run #{run_id} kept no rejected file #{file_id}"))
                .into_response();
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot look up a rejected file");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let request = axum::http::Request::new(axum::body::Body::empty());
    let Ok(mut response) = tower_http::services::ServeFile::new(&kept.path).oneshot(request).await;
    let name = engine::lake::safe_file_name(&kept.name);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/octet-stream"));
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response.map(axum::body::Body::new)
}
