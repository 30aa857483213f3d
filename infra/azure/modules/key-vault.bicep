// Key Vault for what must stay secret: the citizen hash key, the key that seals callback
// secrets and the notification hub's connection string. RBAC authorization only (no access policies); the app reads secrets
// through Key Vault references with its managed identity (Key Vault Secrets User). Every
// access is logged to Log Analytics.

param location string
param tags object
param vaultName string
@description('Purge protection cannot be turned off again once on: prod only.')
param purgeProtection bool
@secure()
param citizenHashKey string
@secure()
param callbackSecretsKey string
@description('The Log Analytics workspace the audit logs go to.')
param logAnalyticsWorkspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_110:Purge protection is on in prod (main.prod.bicepparam); a dev vault must be purgeable so the environment can be thrown away and recreated under the same name.
  // checkov:skip=CKV_AZURE_42:Soft delete is always on; purge protection, the other half of this check, is on in prod only (see CKV_AZURE_110).
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: purgeProtection ? 90 : 7
    // null leaves it off: the service refuses an explicit false.
    enablePurgeProtection: purgeProtection ? true : null
    // checkov:skip=CKV_AZURE_189:Key Vault references are resolved from the Functions platform's public addresses (no VNet integration); every read needs an Entra ID token with a data role.
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_109:Deny by default would break the app's Key Vault references without a VNet; access is by Entra ID and RBAC only.
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource citizenHashKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:The hash key does not expire on a schedule: rotating it changes every push tag (docs/deploy.md), so it is rotated on purpose, never by a date.
  parent: vault
  name: 'citizen-hash-key'
  properties: {
    value: citizenHashKey
    contentType: 'text/plain'
  }
}

resource callbackSecretsKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:The key seals every service's callback secrets: a new key makes the sealed ones unreadable (docs/deploy.md), so it is rotated on purpose, never by a date.
  parent: vault
  name: 'callback-secrets-key'
  properties: {
    value: callbackSecretsKey
    contentType: 'text/plain'
  }
}

// The audit trail: every access to the vault and its secrets (who read the hash key, when),
// allowed or refused. The secrets' values are never logged.
resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
// Without a version: the app follows the latest version of the secret.
output citizenHashKeySecretUri string = '${vault.properties.vaultUri}secrets/${citizenHashKeySecret.name}/'
output callbackSecretsKeySecretUri string = '${vault.properties.vaultUri}secrets/${callbackSecretsKeySecret.name}/'
