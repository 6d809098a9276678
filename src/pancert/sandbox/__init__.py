"""Emulated Sectigo SCM and PAN-OS firewalls, reached only over HTTPS.

Agent code never imports this package.
"""
