#!/usr/bin/env bash
# Run by nox before baseplate-secrets' tests: the Vault-compatible server they talk to.
exec bash "$(dirname "$0")/../openbao.sh"
