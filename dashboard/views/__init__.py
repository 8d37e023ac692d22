"""The dashboard's views, one module per area; thin: queries live on models and in dashboard/."""
