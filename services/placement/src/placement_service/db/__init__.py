"""SQL, one module per aggregate (asyncpg; rows come back as dicts)."""
