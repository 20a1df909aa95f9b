def lookup(account_id):
    """Find an account by id."""
    return {"id": account_id}
