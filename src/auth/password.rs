//! Password hashing: argon2id with m = 19 MiB, t = 2, p = 1, at most two hashes at a time so a
//! burst of logins cannot exhaust memory or CPU.

use std::sync::{Condvar, LazyLock, Mutex};

use argon2::{Algorithm, Argon2, Params, Version};
use argon2::{PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::{AppError, AppResult, Msg};

const MAX_CONCURRENT: usize = 2;
pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

struct Permits {
    free: Mutex<usize>,
    cvar: Condvar,
}

static PERMITS: Permits = Permits {
    free: Mutex::new(MAX_CONCURRENT),
    cvar: Condvar::new(),
};

struct Permit;

impl Permit {
    fn take() -> Permit {
        let mut free = PERMITS.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = PERMITS.cvar.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Permit
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut free = PERMITS.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        PERMITS.cvar.notify_one();
    }
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks length rules; the message names the field.
pub fn validate(field: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("密码至少需要 {MIN_LEN} 个字符。"),
                format!("The password needs at least {MIN_LEN} characters."),
            ),
        ));
    }
    if n > MAX_LEN {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("密码不能超过 {MAX_LEN} 个字符。"),
                format!("The password may have at most {MAX_LEN} characters."),
            ),
        ));
    }
    Ok(())
}

/// A PHC string for a new password.
pub fn hash(password: &str) -> AppResult<String> {
    let _permit = Permit::take();
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Whether `password` matches the stored PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    let _permit = Permit::take();
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, verified against when the user does not exist, so that an
/// unknown user and a wrong password take the same time.
pub static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash(&crate::auth::random_token()).unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_house_parameters() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("x", "not a hash"));
    }
}
