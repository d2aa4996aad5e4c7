//! `POST /admin/upload`: exports uploaded from the admin page (multipart, several files).
//!
//! Each file is streamed to the lake's scratch space, never held in memory, and refused as soon as
//! it passes the size limit. The files then land and are processed in one run of trigger
//! `upload`, in the background: the answer carries the run id at once, and the results arrive
//! over the live connection and on the run's page.

use std::{path::PathBuf, sync::Arc};

use axum::{
    Json,
    extract::{Multipart, State, multipart::Field},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use engine::{
    auth::User,
    etl::{ImportOptions, Progress, ProgressEvent, Trigger},
};
use serde_json::json;
use tokio::{io::AsyncWriteExt, sync::oneshot};
use tower_sessions::Session;

use super::{AppState, admin::admin_only};

/// Files per upload: more is more likely a mistake (a whole folder dropped).
const MAX_FILES: usize = 20;

struct UploadError {
    status: StatusCode,
    message: String,
}

impl UploadError {
    fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let user = match admin_only(&state, &session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let scratch = match tempdir_in(&state) {
        Ok(dir) => dir,
        Err(message) => {
            return refuse(UploadError { status: StatusCode::INTERNAL_SERVER_ERROR, message }, wants_json);
        }
    };
    let files = match receive(multipart, scratch.path(), state.upload_max_bytes).await {
        Ok(files) => files,
        Err(err) => return refuse(err, wants_json),
    };
    let names: Vec<String> = files.iter().map(|(_, name)| name.clone()).collect();
    match start_import(&state, &user, files, scratch).await {
        Ok(run_id) => {
            if wants_json {
                Json(json!({ "run_id": run_id, "files": names })).into_response()
            } else {
                Redirect::to(&format!("/admin/runs/{run_id}")).into_response()
            }
        }
        Err(message) => {
            refuse(UploadError { status: StatusCode::INTERNAL_SERVER_ERROR, message }, wants_json)
        }
    }
}

fn tempdir_in(state: &AppState) -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("upload-")
        .tempdir_in(state.jobs.etl().lake().tmp_dir())
        .map_err(|e| format!("cannot make room for the upload: {e}"))
}

fn refuse(err: UploadError, json: bool) -> Response {
    tracing::warn!(status = %err.status, reason = %err.message, "upload refused");
    if json {
        (err.status, Json(json!({ "error": err.message }))).into_response()
    } else {
        (err.status, err.message).into_response()
    }
}

/// Streams every file field to `dir`. Returns (path, original name) per file.
async fn receive(
    mut multipart: Multipart,
    dir: &std::path::Path,
    max_bytes: u64,
) -> Result<Vec<(PathBuf, String)>, UploadError> {
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => {
                return Err(UploadError {
                    status: err.status(),
                    message: format!("the upload broke off: {}", err.body_text()),
                });
            }
        };
        let Some(raw_name) = field.file_name().map(str::to_string) else { continue };
        if raw_name.is_empty() {
            continue;
        }
        let name = safe_upload_name(&raw_name)?;
        if files.len() == MAX_FILES {
            return Err(UploadError::bad(format!("at most {MAX_FILES} files per upload")));
        }
        // One folder per file, so two files of the same name both arrive under their own name.
        let folder = dir.join(files.len().to_string());
        tokio::fs::create_dir(&folder).await.map_err(|e| UploadError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("cannot store {name}: {e}"),
        })?;
        let path = folder.join(&name);
        save(field, &path, &name, max_bytes).await?;
        files.push((path, name));
    }
    if files.is_empty() {
        return Err(UploadError::bad("no file in the upload: choose one or more export files"));
    }
    Ok(files)
}

async fn save(
    mut field: Field<'_>,
    path: &std::path::Path,
    name: &str,
    max_bytes: u64,
) -> Result<(), UploadError> {
    let io = |e: std::io::Error| UploadError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("cannot store {name}: {e}"),
    };
    let mut out = tokio::fs::File::create(path).await.map_err(io)?;
    let mut size = 0u64;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(err) => {
                return Err(UploadError {
                    status: err.status(),
                    message: format!("{name}: the upload broke off: {}", err.body_text()),
                });
            }
        };
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(UploadError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!(
                    "{name} is larger than the upload limit of {} MB",
                    max_bytes / (1024 * 1024)
                ),
            });
        }
        out.write_all(&chunk).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    if size == 0 {
        return Err(UploadError::bad(format!("{name} is empty")));
    }
    Ok(())
}

/// The name a browser sent, accepted only when it is a plain file name: a path, a hidden file or
/// control characters are refused (not silently changed), so the admin knows what happened.
fn safe_upload_name(raw: &str) -> Result<String, UploadError> {
    let refuse = |why: &str| UploadError::bad(format!("the file name {raw:?} is not accepted: {why}"));
    if raw.contains(['/', '\\']) {
        return Err(refuse("it contains a path"));
    }
    if raw.starts_with('.') {
        return Err(refuse("it starts with a dot"));
    }
    if raw.chars().any(char::is_control) {
        return Err(refuse("it contains control characters"));
    }
    if raw.chars().count() > 200 {
        return Err(refuse("it is longer than 200 characters"));
    }
    Ok(raw.trim().to_string())
}

/// Reports the run id as soon as the run starts, and forwards every event to the live hub.
struct StartSignal {
    hub: engine::live::LiveHub,
    started: std::sync::Mutex<Option<oneshot::Sender<i64>>>,
}

impl Progress for StartSignal {
    fn event(&self, event: &ProgressEvent) {
        if let ProgressEvent::RunStarted { run_id, .. } = event
            && let Some(tx) = self.started.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
        {
            let _ = tx.send(*run_id);
        }
        self.hub.event(event);
    }
}

async fn start_import(
    state: &AppState,
    user: &User,
    files: Vec<(PathBuf, String)>,
    scratch: tempfile::TempDir,
) -> Result<i64, String> {
    let names: Vec<&str> = files.iter().map(|(_, n)| n.as_str()).collect();
    if let Err(err) = engine::audit::record(state.db.pool(), &user.name, "upload", &names.join(", ")).await {
        tracing::warn!(error = %err, "could not record the upload in the audit log");
    }
    let (tx, rx) = oneshot::channel();
    let signal = Arc::new(StartSignal { hub: state.hub.clone(), started: std::sync::Mutex::new(Some(tx)) });
    let jobs = Arc::clone(&state.jobs);
    tokio::spawn(async move {
        let batch: Vec<(PathBuf, ImportOptions)> =
            files.into_iter().map(|(path, _)| (path, ImportOptions::default())).collect();
        let result = jobs.etl().import_each(&batch, Trigger::Upload, None, &*signal).await;
        if let Err(err) = result {
            tracing::error!(error = %err, "upload import failed");
        }
        drop(scratch);
    });
    rx.await.map_err(|_| "the import could not start; the server log has the details".to_string())
}
