"""Signals of organisational life for the apps above it (they listen; this app imports none of them)."""

from django.dispatch import Signal

# Sent after a bulk fill of attended people's hours (an activity finished); kwargs: user_ids.
hours_filled = Signal()
