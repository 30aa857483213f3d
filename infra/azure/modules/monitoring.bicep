// Logs and metrics: a Log Analytics workspace and the Application Insights component the
// Functions host (log lines) and the app (traces and metrics) write to
// (APPLICATIONINSIGHTS_CONNECTION_STRING). The workspace also holds the audit logs of
// Storage, Cosmos DB and Key Vault (their diagnostic settings).

param location string
param tags object
param workspaceName string
param appInsightsName string
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

output appInsightsName string = appInsights.name
output workspaceId string = workspace.id
output connectionString string = appInsights.properties.ConnectionString
