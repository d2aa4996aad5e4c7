//! Black-box tests of the web server: a real server on port 0 with a fresh SQLite file.

mod auth;
mod connect;
mod dashboard;
mod health;
mod helpers;
mod live;
mod security;
mod sources;
mod static_files;
mod upload;
