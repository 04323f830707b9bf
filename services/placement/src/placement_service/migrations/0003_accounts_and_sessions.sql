-- Accounts can be disabled (and re-enabled) through the API, and people's bearer tokens can
-- be revoked before they expire: one token (sign out) or all issued so far (everywhere).

ALTER TABLE account
    ADD COLUMN disabled_at        timestamptz,
    ADD COLUMN disabled_by        text,
    ADD COLUMN disabled_reason    text,
    -- "Sign out everywhere": tokens not recorded below and issued before this are refused.
    ADD COLUMN tokens_valid_after timestamptz;

-- Every token placement issues to a person (jti), so one can be revoked. Tokens it did not
-- record (issued before this table, or minted with the development key) are judged by
-- account.tokens_valid_after. No foreign key: a token's subject need not be an account.
CREATE TABLE person_token (
    jti        text PRIMARY KEY,
    account_id text        NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX person_token_account_idx ON person_token (account_id, expires_at);
