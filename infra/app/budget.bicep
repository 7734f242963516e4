// A monthly cost budget on the resource group: the action group (and the subscription's Owners) hear when actual
// spend passes 80 % and when the forecast passes 100 %. Costs are the billing account's currency.
// Shape: https://learn.microsoft.com/azure/templates/microsoft.consumption/budgets

@description('Name of the budget.')
param name string

@description('Monthly amount, in the billing currency.')
@minValue(1)
param amount int

@description('First day of the budget (the first of a month, yyyy-MM-dd); fixed once the budget exists.')
param startDate string

@description('Resource id of the action group to notify.')
param actionGroupId string

@description('Email address to notify as well; empty for none.')
param alertEmail string = ''

var contacts = {
  contactEmails: empty(alertEmail) ? [] : [alertEmail]
  contactGroups: [actionGroupId]
  contactRoles: ['Owner']
}

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = {
  name: name
  properties: {
    category: 'Cost'
    amount: amount
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: startDate
    }
    notifications: {
      actual80: union(contacts, {
        enabled: true
        operator: 'GreaterThan'
        threshold: 80
        thresholdType: 'Actual'
      })
      forecast100: union(contacts, {
        enabled: true
        operator: 'GreaterThan'
        threshold: 100
        thresholdType: 'Forecasted'
      })
    }
  }
}

output name string = budget.name
