//! Uploading exports: drag and drop or the file picker, several files at once.
//!
//! Without JavaScript the form posts to `/admin/upload` and lands on the run's page. Once the
//! page is interactive the upload goes through XMLHttpRequest, so the bytes sent show as a
//! progress bar; the import's results then arrive live (see the activity section).

use leptos::{html, prelude::*};

// Only the browser moves past `Idle` (the server renders the form).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
enum UploadState {
    Idle,
    Sending { percent: u32 },
    Started { run_id: i64, files: Vec<String> },
    Failed(String),
}

#[component]
pub fn UploadSection() -> impl IntoView {
    let state = RwSignal::new(UploadState::Idle);
    let chosen = RwSignal::new(Vec::<String>::new());
    let dragging = RwSignal::new(false);
    let form = NodeRef::<html::Form>::new();
    let input = NodeRef::<html::Input>::new();

    let on_change = move |_| chosen.set(file_names(input));
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let (Some(files), Some(input)) = (ev.data_transfer().and_then(|d| d.files()), input.get()) {
            input.set_files(Some(&files));
            chosen.set(names_of(&input));
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            if let Some(form) = form.get() {
                send(&form, state);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, form);
    };

    view! {
        <section id="upload" aria-labelledby="upload-heading">
            <h2 id="upload-heading">"Upload exports"</h2>
            <form
                node_ref=form
                method="post"
                action="/admin/upload"
                enctype="multipart/form-data"
                class="upload-form"
                data-testid="upload-form"
                on:submit=on_submit
            >
                <label
                    class="drop-zone"
                    class:dragging=move || dragging.get()
                    on:dragover=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        dragging.set(true);
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop
                >
                    <span class="drop-title">"Drop export files here, or choose them"</span>
                    <span class="muted small">
                        "DistroKid, TooLost, Spotify for Artists, YouTube, TikTok, Linktree, Meta Ads, "
                        "Mailchimp or exchange-rate files; the source is recognised from the content."
                    </span>
                    <input node_ref=input type="file" name="files" multiple required on:change=on_change data-testid="upload-input" />
                </label>
                {move || {
                    let names = chosen.get();
                    (!names.is_empty()).then(|| view! { <p class="muted small">{format!("Chosen: {}", names.join(", "))}</p> })
                }}
                <button type="submit" class="button primary" disabled=move || matches!(state.get(), UploadState::Sending { .. })>
                    "Upload and import"
                </button>
            </form>
            <div aria-live="polite" data-testid="upload-status">
                {move || match state.get() {
                    UploadState::Idle => ().into_any(),
                    UploadState::Sending { percent } => view! {
                        <p>{format!("Uploading… {percent}%")}</p>
                        <progress max="100" value=percent></progress>
                    }
                    .into_any(),
                    UploadState::Started { run_id, files } => {
                        let href = format!("/admin/runs/{run_id}");
                        view! {
                            <p class="notice info">
                                {format!("Uploaded {}; importing as ", files.join(", "))}
                                <a href=href>{format!("run #{run_id}")}</a>
                                ". Results show below as they arrive."
                            </p>
                        }
                        .into_any()
                    }
                    UploadState::Failed(reason) => view! { <p class="notice error" role="alert">{reason}</p> }.into_any(),
                }}
            </div>
        </section>
    }
}

fn file_names(input: NodeRef<html::Input>) -> Vec<String> {
    #[cfg(feature = "hydrate")]
    if let Some(input) = input.get() {
        return names_of(&input);
    }
    let _ = input;
    Vec::new()
}

#[cfg(feature = "hydrate")]
fn names_of(input: &web_sys::HtmlInputElement) -> Vec<String> {
    input.files().map_or_else(Vec::new, |files| {
        (0..files.length()).filter_map(|i| files.get(i)).map(|f| f.name()).collect()
    })
}

#[cfg(feature = "hydrate")]
fn send(form: &web_sys::HtmlFormElement, state: RwSignal<UploadState>) {
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{FormData, ProgressEvent, XmlHttpRequest};

    let fail = move |why: String| state.set(UploadState::Failed(why));
    let (Ok(data), Ok(xhr)) = (FormData::new_with_form(form), XmlHttpRequest::new()) else {
        fail("This browser cannot send the files; try again without JavaScript.".into());
        return;
    };
    if xhr.open("POST", "/admin/upload").is_err()
        || xhr.set_request_header("Accept", "application/json").is_err()
    {
        fail("The upload could not start.".into());
        return;
    }
    state.set(UploadState::Sending { percent: 0 });
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
        if ev.length_computable() && ev.total() > 0.0 {
            let percent = (ev.loaded() / ev.total() * 100.0).round() as u32;
            state.set(UploadState::Sending { percent: percent.min(100) });
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    on_progress.forget();
    let done = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = done.status().unwrap_or(0);
        let text = done.response_text().ok().flatten().unwrap_or_default();
        let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        match (status, json) {
            (200, Some(body)) => {
                let run_id = body["run_id"].as_i64().unwrap_or_default();
                let files = body["files"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                state.set(UploadState::Started { run_id, files });
            }
            (_, Some(body)) if body["error"].is_string() => {
                fail(format!("Upload refused: {}", body["error"].as_str().unwrap_or_default()));
            }
            (401, _) => fail("Your session has ended. Sign in again.".into()),
            (403, _) => fail("Only admins can upload.".into()),
            (code, _) => fail(format!("The upload failed (HTTP {code}).")),
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error =
        Closure::<dyn FnMut()>::new(move || fail("The connection broke during the upload.".into()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    if xhr.send_with_opt_form_data(Some(&data)).is_err() {
        fail("The upload could not start.".into());
    }
}
